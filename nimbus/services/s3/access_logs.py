"""Server access logging: each request to a bucket with logging enabled becomes a record in S3's access
log format (access_log_format.py), kept in the store and delivered to the target bucket and prefix
as one log object per bucket every ``DELIVERY_INTERVAL`` of virtual time.

Records come from the API-call events every request publishes (nimbus's own calls excepted, so the
delivery's PUTs are not logged again). Delivery is a PutObject by ``logging.s3.amazonaws.com``
through the internal client, with the source bucket as ``aws:SourceArn``: the target's bucket policy
must grant that service principal ``s3:PutObject``, as AWS requires; refused records are dropped.
"""
from __future__ import annotations

import logging
import secrets
import threading
from datetime import UTC, datetime

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.access_log_format import log_line
from nimbus.services.s3.call_bucket import call_bucket
from nimbus.services.s3.common import BUCKETS
from nimbus.services.s3.documents import ACCESS_LOG_RECORD, BUCKET, Bucket
from nimbus.services.s3.records import next_seq
from nimbus.services.s3.state import S3State

log = logging.getLogger(__name__)
LOGGING_PRINCIPAL = "logging.s3.amazonaws.com"
DELIVERY_INTERVAL = 300.0  # virtual seconds a record waits at most before its log object is written


def _records_ns(bucket: str) -> tuple[str, ...]:
    return ("s3", "access-logs", bucket)


def _invalid_target(message: str, target: str) -> ServiceError:
    return ServiceError("InvalidTargetBucketForLogging", message, status=400, TargetBucket=target)


class AccessLogOps(S3State):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._log_lock = threading.Lock()
        runtime.events.subscribe(API_CALL, self._record_call)
        self._log_job = self.every("s3-access-logs", None, self._deliver_due, on_advance=self._deliver_due)
        self._log_job.wake()  # records a restart left behind

    def close(self) -> None:
        self.runtime.events.flush()  # requests already answered are recorded before the records stop
        self.runtime.events.unsubscribe(API_CALL, self._record_call)
        super().close()

    # -- the API ---------------------------------------------------------------------------------
    def put_bucket_logging(self, ctx: RequestContext, params: dict) -> dict:
        enabled = (params.get("BucketLoggingStatus") or {}).get("LoggingEnabled")
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutBucketLogging")
            if enabled:
                target = BUCKET.get(self.store, BUCKETS, enabled["TargetBucket"])
                if target is None:
                    raise _invalid_target("The target bucket for logging does not exist", enabled["TargetBucket"])
                if target["Account"] != bucket["Account"]:
                    raise _invalid_target("The owner for the bucket to be logged and the target bucket must be "
                                          "the same.", enabled["TargetBucket"])
                if target["Region"] != bucket["Region"]:
                    raise ServiceError("CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed. ",
                                       status=403, SourceBucketLocation=bucket["Region"],
                                       TargetBucketLocation=target["Region"])
                bucket.setdefault("Config", {})["Logging"] = enabled
            else:
                (bucket.get("Config") or {}).pop("Logging", None)
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_bucket_logging(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetBucketLogging")
        enabled = (bucket.get("Config") or {}).get("Logging")
        return {"LoggingEnabled": enabled} if enabled else {}

    # -- records ------------------------------------------------------------------------------------
    def _record_call(self, event: ApiCallEvent) -> None:
        if event.service != "s3" or event.internal or self.closed:
            return
        bucket = call_bucket(self.store, event)
        if bucket is None or not (bucket.get("Config") or {}).get("Logging"):
            return
        method = self.runtime.services.get("s3").model.operation_model(event.operation).http.get("method", "GET")
        ACCESS_LOG_RECORD.put(self.store, _records_ns(bucket["Name"]), f"{next_seq():020d}", {
            "Time": event.time.timestamp(), "Line": log_line(event, bucket["Account"], method)})
        self._log_job.wake()

    # -- delivery ----------------------------------------------------------------------------------
    def _deliver_due(self) -> float | None:
        """Deliver each bucket's records once its oldest has waited the interval; returns when next is due."""
        with self._log_lock:
            now, next_due = self.clock.time(), None
            for _, bucket in BUCKET.scan(self.store, BUCKETS):
                records = list(ACCESS_LOG_RECORD.scan(self.store, _records_ns(bucket["Name"])))
                if not records:
                    continue
                due = records[0][1]["Time"] + DELIVERY_INTERVAL
                if due > now:
                    next_due = due if next_due is None else min(next_due, due)
                    continue
                self._deliver(bucket, [record["Line"] for _, record in records])
                for record_id, _ in records:
                    self.store.delete(_records_ns(bucket["Name"]), record_id)
            return next_due

    def _deliver(self, bucket: Bucket, lines: list[str]) -> None:
        target = (bucket.get("Config") or {}).get("Logging")
        if not target:
            return  # logging was turned off: what was buffered is not delivered
        key = self._log_key(bucket, target)
        try:
            self.runtime.client.call(
                "s3", "PutObject", {"Bucket": target["TargetBucket"], "Key": key,
                                    "Body": ("\n".join(lines) + "\n").encode()},
                account_id=bucket["Account"], region=bucket["Region"], invoked_by=LOGGING_PRINCIPAL,
                source=CallSource(f"arn:aws:s3:::{bucket['Name']}", bucket["Account"]))
        except ServiceError as refused:
            log.warning("access logs of %s not delivered to %s: %s", bucket["Name"], target["TargetBucket"],
                        refused.message)

    def _log_key(self, bucket: Bucket, target: dict) -> str:
        now = datetime.fromtimestamp(self.clock.time(), UTC)
        name = now.strftime("%Y-%m-%d-%H-%M-%S-") + secrets.token_hex(8).upper()
        prefix = target.get("TargetPrefix") or ""
        if "PartitionedPrefix" in (target.get("TargetObjectKeyFormat") or {}):
            return f"{prefix}{bucket['Account']}/{bucket['Region']}/{bucket['Name']}/{now:%Y/%m/%d}/{name}"
        return prefix + name
