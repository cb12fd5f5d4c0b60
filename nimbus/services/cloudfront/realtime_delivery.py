"""Real-time logs delivered: a request through a behaviour with a ``RealtimeLogConfigArn`` becomes, at the
configuration's sampling rate, one record of its fields (tab-separated, in the configuration's order) put to
the configured Kinesis data stream as the configuration's role, which CloudFront assumes. Records are sent
by a background job, so a viewer never waits for Kinesis; a stream or role that refuses them drops them."""
from __future__ import annotations

import logging
import random
import threading

from nimbus.protocol.errors import ServiceError

from .documents import Distribution
from .realtime_logs import RealtimeLogOps

log = logging.getLogger(__name__)
MAX_WAITING_RECORDS = 100_000
# Real-time field names that differ from the standard log's.
_STANDARD_NAMES = {"cs-host": "cs(Host)", "cs-user-agent": "cs(User-Agent)", "cs-referer": "cs(Referer)",
                   "cs-cookie": "cs(Cookie)"}


class RealtimeDeliveryOps(RealtimeLogOps):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._records: list[tuple[str, str]] = []  # (configuration ARN, the record's line)
        self._records_lock = threading.Lock()
        self._realtime_job = self.every("cloudfront-realtime-logs", None, self.send_realtime)

    def queue_realtime(self, arn: str, now: float, distribution: Distribution, fields: dict[str, str]) -> None:
        config = self.realtime_log_config(arn)
        if config is None or random.uniform(0, 100) > config["SamplingRate"]:  # noqa: S311 (sampling, not secrets)
            return
        known = {**fields, "timestamp": f"{now:.3f}", "timestamp(ms)": str(int(now * 1000)),
                 "primary-distribution-id": distribution["Id"],
                 "primary-distribution-dns-name": distribution["DomainName"],
                 "c-ip-version": "IPv6" if ":" in fields["c-ip"] else "IPv4"}
        line = "\t".join(known.get(_STANDARD_NAMES.get(name, name), "-") for name in config["Fields"])
        with self._records_lock:
            if len(self._records) >= MAX_WAITING_RECORDS:
                return  # Kinesis is not keeping up: records are dropped rather than memory filled
            self._records.append((arn, line))
        self._realtime_job.wake()

    def send_realtime(self) -> None:
        with self._records_lock:
            records, self._records = self._records, []
        for arn, line in records:
            config = self.realtime_log_config(arn)
            if config is None:
                continue
            stream = config["EndPoints"][0]["KinesisStreamConfig"]
            try:
                self.runtime.client.call_as_role(
                    stream["RoleARN"], "kinesis", "PutRecord",
                    {"StreamARN": stream["StreamARN"], "Data": (line + "\n").encode(), "PartitionKey": line[:64]},
                    invoked_by="cloudfront.amazonaws.com", session_name="CloudFrontRealtimeLogs",
                    region=stream["StreamARN"].split(":")[3])
            except ServiceError as error:
                log.warning("real-time log record for %s dropped: %s", arn, error)
