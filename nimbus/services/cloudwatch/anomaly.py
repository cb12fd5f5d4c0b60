"""Anomaly detectors: PutAnomalyDetector, DescribeAnomalyDetectors, DeleteAnomalyDetector. A detector is
the model ANOMALY_DETECTION_BAND uses for its metric: the band is the mean plus and minus a number of
standard deviations of the metric's history (the two weeks before the range, less the detector's
excluded time ranges); without a detector the band is drawn from the series in the range."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import combination, detectors_ns, invalid
from nimbus.services.cloudwatch.documents import DETECTOR, AnomalyDetector
from nimbus.services.cloudwatch.state import CloudWatchState

PAGE = 100


def single_of(params: dict[str, Any]) -> dict[str, Any] | None:
    """The single-metric detector a request names, in either of the API's two spellings."""
    if params.get("SingleMetricAnomalyDetector"):
        return params["SingleMetricAnomalyDetector"]
    if params.get("MetricName"):
        return {k: params[k] for k in ("Namespace", "MetricName", "Dimensions", "Stat") if params.get(k) is not None}
    return None


def detector_key(single: dict[str, Any] | None, math: dict[str, Any] | None) -> str:
    if single is not None:
        identity = {"Namespace": single.get("Namespace"), "MetricName": single.get("MetricName"),
                    "Dimensions": sorted(single.get("Dimensions") or [], key=lambda d: d["Name"]),
                    "Stat": single.get("Stat")}
    else:
        identity = {"Math": math}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


class AnomalyOps(CloudWatchState):
    def put_anomaly_detector(self, ctx: RequestContext, params: dict) -> dict:
        single, math = single_of(params), params.get("MetricMathAnomalyDetector")
        if single is not None and math is not None:
            raise combination("The parameters SingleMetricAnomalyDetector and MetricMathAnomalyDetector are "
                              "mutually exclusive and you have specified both.")
        if single is None and math is None:
            raise ServiceError("MissingParameter", "The parameter SingleMetricAnomalyDetector is required.")
        if single is not None and not (single.get("Namespace") and single.get("MetricName") and single.get("Stat")):
            raise ServiceError("MissingParameter", "The parameters Namespace, MetricName and Stat are required.")
        for excluded in (params.get("Configuration") or {}).get("ExcludedTimeRanges") or []:
            if excluded["StartTime"] >= excluded["EndTime"]:
                raise invalid("The start time of an excluded time range must be before its end time.")
        key = detector_key(single, math)
        configuration = dict(params.get("Configuration") or {})
        configuration["ExcludedTimeRanges"] = [{"StartTime": epoch(r["StartTime"]), "EndTime": epoch(r["EndTime"])}
                                               for r in configuration.get("ExcludedTimeRanges") or []]
        detector: AnomalyDetector = {"AnomalyDetectorId": key, "StateValue": "TRAINED",
                                     "Configuration": configuration,
                                     "MetricCharacteristics": params.get("MetricCharacteristics") or {}}
        if single is not None:
            detector["SingleMetricAnomalyDetector"] = {**single, "Dimensions": single.get("Dimensions") or []}
            detector.update({k: v for k, v in detector["SingleMetricAnomalyDetector"].items()  # type: ignore[typeddict-item]
                             if k in ("Namespace", "MetricName", "Dimensions", "Stat")})
        else:
            detector["MetricMathAnomalyDetector"] = math or {}
        DETECTOR.put(self.store, detectors_ns(ctx.account_id, ctx.region), key, detector)
        return {"AnomalyDetectorId": key}

    def describe_anomaly_detectors(self, ctx: RequestContext, params: dict) -> dict:
        types = params.get("AnomalyDetectorTypes") or ["SINGLE_METRIC", "METRIC_MATH"]
        ids = params.get("AnomalyDetectorIds")
        dims = sorted(params.get("Dimensions") or [], key=lambda d: d["Name"])
        found = []
        for key, detector in DETECTOR.scan(self.store, detectors_ns(ctx.account_id, ctx.region)):
            kind = "SINGLE_METRIC" if "SingleMetricAnomalyDetector" in detector else "METRIC_MATH"
            single = detector.get("SingleMetricAnomalyDetector") or {}
            if (kind in types and (not ids or key in ids)
                    and (params.get("Namespace") is None or single.get("Namespace") == params["Namespace"])
                    and (params.get("MetricName") is None or single.get("MetricName") == params["MetricName"])
                    and (not dims or sorted(single.get("Dimensions") or [], key=lambda d: d["Name"]) == dims)):
                shown: dict[str, Any] = {k: v for k, v in detector.items() if k != "SchemaVersion"}
                configuration = dict(detector.get("Configuration") or {})
                configuration["ExcludedTimeRanges"] = [
                    {"StartTime": timestamp(r["StartTime"]), "EndTime": timestamp(r["EndTime"])}
                    for r in configuration.get("ExcludedTimeRanges") or []]
                shown["Configuration"] = configuration
                found.append(shown)
        limit = params.get("MaxResults") or PAGE
        offset = int(params["NextToken"]) if (params.get("NextToken") or "").isdigit() else 0
        out: dict = {"AnomalyDetectors": found[offset:offset + limit]}
        if offset + limit < len(found):
            out["NextToken"] = str(offset + limit)
        return out

    def delete_anomaly_detector(self, ctx: RequestContext, params: dict) -> dict:
        key = params.get("AnomalyDetectorId") or detector_key(single_of(params), params.get("MetricMathAnomalyDetector"))
        if not self.store.delete(detectors_ns(ctx.account_id, ctx.region), key):
            raise ServiceError("ResourceNotFoundException", "The anomaly detector does not exist.",
                               ResourceType="AnomalyDetector", ResourceId=key)
        return {}
