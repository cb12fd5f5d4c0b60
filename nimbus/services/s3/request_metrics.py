"""S3 request metrics in CloudWatch (``AWS/S3``, by ``BucketName`` and ``FilterId``): each request to a bucket
with a metrics configuration counts under every configuration whose filter it matches (a prefix, an access
point, or both in an ``And``; tag filters match objects by the tags the request carries). Read from the
API-call events every request publishes, off the request path, and only while CloudWatch listens."""
from __future__ import annotations

from typing import Any

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.core.metrics import METRIC, publish_metric
from nimbus.services.s3.call_bucket import call_bucket
from nimbus.services.s3.state import S3State

NAMESPACE = "AWS/S3"
_KIND_OF = {"GetObject": "GetRequests", "PutObject": "PutRequests", "CopyObject": "PutRequests",
            "UploadPart": "PutRequests", "DeleteObject": "DeleteRequests", "DeleteObjects": "DeleteRequests",
            "HeadObject": "HeadRequests", "PostObject": "PostRequests", "ListObjects": "ListRequests",
            "ListObjectsV2": "ListRequests", "ListObjectVersions": "ListRequests", "SelectObjectContent":
                "SelectRequests"}
_SERVER_ERRORS = {"InternalError", "ServiceUnavailable", "SlowDown", "NotImplemented"}


def _matches(filter_: dict[str, Any] | None, key: str, access_point: str | None) -> bool:
    if not filter_:
        return True
    if "And" in filter_:
        return _matches({k: v for k, v in filter_["And"].items() if k != "Tags"}, key, access_point)
    if "Prefix" in filter_ and not key.startswith(filter_["Prefix"]):
        return False
    if "AccessPointArn" in filter_ and filter_["AccessPointArn"] != access_point:
        return False
    return "Tag" not in filter_


class RequestMetricOps(S3State):
    def __init__(self, runtime):
        super().__init__(runtime)
        runtime.events.subscribe(API_CALL, self._count_request)

    def close(self) -> None:
        self.runtime.events.unsubscribe(API_CALL, self._count_request)
        super().close()

    def _count_request(self, event: ApiCallEvent) -> None:
        if event.service != "s3" or event.internal or self.closed or not self.runtime.events.wants(METRIC):
            return
        bucket = call_bucket(self.store, event)
        configs = ((bucket or {}).get("Config") or {}).get("Metrics") or {}
        if bucket is None or not configs:
            return
        params = event.request_parameters or {}
        key = params.get("Key") if isinstance(params.get("Key"), str) else params.get("Prefix") or ""
        values: list[tuple[str, float, str]] = [("AllRequests", 1.0, "Count")]
        if kind := _KIND_OF.get(event.operation):
            values.append((kind, 1.0, "Count"))
        if event.error_code:
            values.append(("5xxErrors" if event.error_code in _SERVER_ERRORS else "4xxErrors", 1.0, "Count"))
        response = event.response or {}
        if event.operation == "GetObject" and isinstance(response.get("ContentLength"), int):
            values.append(("BytesDownloaded", float(response["ContentLength"]), "Bytes"))
        if event.operation in ("PutObject", "UploadPart") and isinstance(params.get("ContentLength"), int):
            values.append(("BytesUploaded", float(params["ContentLength"]), "Bytes"))
        for config_id, config in configs.items():
            if not _matches(config.get("Filter"), str(key), params.get("AccessPointArn")):
                continue
            for metric, value, unit in values:
                publish_metric(self.runtime.events, event.time, bucket["Account"], bucket["Region"], NAMESPACE,
                               metric, {"BucketName": bucket["Name"], "FilterId": config_id}, value, unit)
