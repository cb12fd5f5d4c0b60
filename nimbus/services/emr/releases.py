"""EMR release labels: ListReleaseLabels and DescribeReleaseLabel answer from a list of real labels, and
RunJobFlow accepts only these. Every label's applications run on the one Spark nimbus ships (pyspark),
whatever version the label names; the versions are shown as AWS lists them."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.base import BaseProvider

from .state import validation

# Real EMR 6.x and 7.x release labels, newest first (as ListReleaseLabels orders them).
RELEASE_LABELS = (
    "emr-7.5.0", "emr-7.4.0", "emr-7.3.0", "emr-7.2.0", "emr-7.1.0", "emr-7.0.0",
    "emr-6.15.0", "emr-6.14.0", "emr-6.13.0", "emr-6.12.0", "emr-6.11.1", "emr-6.11.0", "emr-6.10.1",
    "emr-6.10.0", "emr-6.9.1", "emr-6.9.0", "emr-6.8.1", "emr-6.8.0", "emr-6.7.0", "emr-6.6.0", "emr-6.5.0",
    "emr-6.4.0", "emr-6.3.1", "emr-6.3.0", "emr-6.2.1", "emr-6.2.0", "emr-6.1.1", "emr-6.1.0", "emr-6.0.1",
    "emr-6.0.0", "emr-5.36.2", "emr-5.36.1", "emr-5.36.0", "emr-5.35.0", "emr-5.34.0", "emr-5.33.1",
)

# The applications of a 7.x label (6.x and 5.x list older versions of the same); what nimbus runs of them
# is Spark, Hive (as HiveQL through Spark SQL) and Hadoop streaming.
_APPLICATIONS_7 = {"Hadoop": "3.3.6", "Spark": "3.5.1", "Hive": "3.1.3", "Livy": "0.8.0", "Pig": "0.17.0",
                   "Tez": "0.10.2", "JupyterEnterpriseGateway": "2.6.0", "Hue": "4.11.0", "Zeppelin": "0.10.1"}
_APPLICATIONS_6 = {"Hadoop": "3.3.3", "Spark": "3.3.2", "Hive": "3.1.3", "Livy": "0.7.1", "Pig": "0.17.0",
                   "Tez": "0.10.2", "Hue": "4.10.0", "Zeppelin": "0.10.1"}
_APPLICATIONS_5 = {"Hadoop": "2.10.1", "Spark": "2.4.8", "Hive": "2.3.9", "Livy": "0.7.1", "Pig": "0.17.0",
                   "Tez": "0.9.2", "Hue": "4.10.0", "Zeppelin": "0.10.0"}


def applications_of(label: str) -> dict[str, str]:
    major = label.split("-")[1].split(".")[0]
    return {"7": _APPLICATIONS_7, "6": _APPLICATIONS_6}.get(major, _APPLICATIONS_5)


def checked_label(label: str) -> str:
    if label not in RELEASE_LABELS:
        raise validation(f"The requested EMR release label {label} is not valid.")
    return label


def _page(items: list, token: str | None, limit: int | None) -> tuple[list, str | None]:
    start = int(token) if token and token.isdigit() else 0
    size = limit or 100
    chunk = items[start:start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


class ReleaseOps(BaseProvider):
    def list_release_labels(self, ctx: RequestContext, params: dict) -> dict:
        filters = params.get("Filters") or {}
        labels = [label for label in RELEASE_LABELS if label.startswith(filters.get("Prefix", ""))]
        if filters.get("Application"):
            name, _, version = filters["Application"].partition("@")
            labels = [label for label in labels if applications_of(label).get(name.capitalize())
                      and (not version or applications_of(label)[name.capitalize()] == version)]
        chunk, token = _page(labels, params.get("NextToken"), params.get("MaxResults"))
        return {"ReleaseLabels": chunk, **({"NextToken": token} if token else {})}

    def describe_release_label(self, ctx: RequestContext, params: dict) -> dict:
        label = checked_label(params.get("ReleaseLabel") or RELEASE_LABELS[0])
        applications = [{"Name": name.lower(), "Version": version}
                        for name, version in sorted(applications_of(label).items())]
        chunk, token = _page(applications, params.get("NextToken"), params.get("MaxResults"))
        return {"ReleaseLabel": label, "Applications": chunk,
                "AvailableOSReleases": [{"Label": "2.0.20241001.0"}], **({"NextToken": token} if token else {})}
