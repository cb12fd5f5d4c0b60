"""What every CloudWatch module shares: store namespaces, metric identities and AWS's error words."""
from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from nimbus.core.namespaces import Namespace
from nimbus.protocol.errors import ServiceError
from nimbus.store.base import Store

SERVICE = "cloudwatch"
metrics_ns = Namespace(SERVICE, "metrics")
points_ns = Namespace(SERVICE, "points")
alarms_ns = Namespace(SERVICE, "alarms")
history_ns = Namespace(SERVICE, "history")
dashboards_ns = Namespace(SERVICE, "dashboards")
streams_ns = Namespace(SERVICE, "metric-streams")
detectors_ns = Namespace(SERVICE, "anomaly-detectors")
managed_rules_ns = Namespace(SERVICE, "managed-insight-rules")
insight_rules_ns = Namespace(SERVICE, "insight-rules")
tags_ns = Namespace(SERVICE, "tags")
mute_rules_ns = Namespace(SERVICE, "alarm-mute-rules")
query_definitions_ns = Namespace(SERVICE, "query-definitions")
settings_ns = Namespace(SERVICE, "settings")
resource_metrics_ns = Namespace(SERVICE, "resource-metrics")

_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")

Dimensions = list[dict[str, str]]  # [{"Name": ..., "Value": ...}] as the API carries them


def metric_key(namespace: str, name: str, dimensions: Dimensions) -> str:
    """One metric's identity: its namespace, name and dimensions (in name order, as AWS matches them).
    Keys sort by namespace then name, the order ListMetrics lists in."""
    dims = "\t".join(f"{d['Name']}={d['Value']}" for d in sorted(dimensions, key=lambda d: d["Name"]))
    return f"{namespace}\n{name}\n{dims}"


def series_id(key: str) -> str:
    """A metric's short name among the points of its account and Region (the first part of its keys)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message)


def invalid_value(value: Any, parameter: str) -> ServiceError:
    return invalid(f"The value {value} for parameter {parameter} is invalid.")


def missing(parameter: str) -> ServiceError:
    return ServiceError("MissingParameter", f"The parameter {parameter} is required.")


def combination(message: str) -> ServiceError:
    return ServiceError("InvalidParameterCombination", message)


def finite(value: float, parameter: str) -> float:
    if math.isnan(value) or math.isinf(value):
        raise invalid_value(value, parameter)
    return value


def regions_with(store: Store, kind: str) -> list[tuple[str, str]]:
    """(account, Region) of every namespace of ``kind`` (``alarms``, ``metrics``...) that holds documents."""
    return [(ns[1], ns[2]) for ns in store.namespaces((SERVICE,)) if len(ns) == 4 and ns[3] == kind]


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFound", message)


def duration_seconds(text: str) -> int | None:
    """Seconds of an ISO 8601 duration (``PT4H``, ``P1DT30M``), or None when ``text`` is not one."""
    match = _DURATION.match(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return weeks * 604800 + days * 86400 + hours * 3600 + minutes * 60 + seconds
