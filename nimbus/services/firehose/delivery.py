"""The delivery scheduler: a job (``core/scheduler.py``) that reads source streams and flushes buffers
when a hint is met.

A buffer is flushed when it holds SizeInMBs or its oldest record is IntervalInSeconds old (virtual
clock). The scheduler's job wakes every quarter second, when a put fills a buffer, and at once (synchronously)
after each jump of the virtual clock, so a test that advances the clock finds the objects delivered
when the call returns. A refused delivery stays buffered and is retried until the destination's
retry window (virtual seconds) ends; then it goes where Firehose sends it (S3 error/backup prefix).
"""
from __future__ import annotations

import logging
import threading
import time

from nimbus.services.firehose import metrics, s3_destination
from nimbus.services.firehose.buffer import Batch, Buffers
from nimbus.services.firehose.common import MIB, errors_ns, stream_ident
from nimbus.services.firehose.delivery_streams import StreamRepo
from nimbus.services.firehose.documents import ERROR_LOG_ENTRY, DeliveryStream, ErrorLogEntry
from nimbus.services.firehose.s3_destination import DeliveryError

log = logging.getLogger(__name__)
S3_RETRY_SECONDS = 24 * 3600  # Firehose retries S3 for up to 24 hours, then discards
RETRY_PAUSE = 1.0  # real seconds between attempts at a failing destination (clock jumps retry at once)
MAX_ERRORS_KEPT = 100
TICK_SECONDS = 0.25


def hints(stream: DeliveryStream) -> tuple[int, int]:
    config = stream["DestinationConfiguration"]
    if stream["DestinationType"] == "Redshift":
        config = config.get("S3Configuration") or {}
    given = config.get("BufferingHints") or {}
    return given.get("SizeInMBs", 5) * MIB, given.get("IntervalInSeconds", 300)


def retry_window(stream: DeliveryStream) -> float:
    if stream["DestinationType"] in ("HttpEndpoint", "Redshift"):
        return (stream["DestinationConfiguration"].get("RetryOptions") or {}).get("DurationInSeconds", 300)
    return S3_RETRY_SECONDS


class Deliverer:
    def __init__(self, provider):
        self.provider = provider
        self.runtime = provider.runtime
        self.repo: StreamRepo = provider.streams
        self.buffers: Buffers = provider.buffers
        self._lock = threading.RLock()
        self._retry: dict[tuple[str, str, str], dict] = {}
        self._source_failing: dict[tuple[str, str, str], dict] = {}
        self._job = provider.every("firehose", TICK_SECONDS, self.run_once,
                                   on_advance=lambda: self.run_once(force=True))

    def wake(self) -> None:
        self._job.wake()

    def run_once(self, force: bool = False) -> None:
        with self._lock:
            for stream in self.repo.all():
                try:
                    self._serve(stream, force)
                except Exception:  # one broken stream must not stop the others
                    log.exception("firehose delivery for %s failed", stream["DeliveryStreamName"])

    # -- one stream ----------------------------------------------------------------------------

    def _serve(self, stream: DeliveryStream, force: bool) -> None:
        if not self.repo.is_active(stream):
            return
        ident = account, region, name = stream_ident(stream)
        if stream["KinesisStreamSourceConfiguration"]:
            from nimbus.services.firehose import kinesis_source
            try:
                if kinesis_source.poll(self.runtime, stream, self.buffers):
                    force = True
            except kinesis_source.SourceError as exc:
                self._source_failed(stream, exc)
            else:
                self._source_failing.pop(ident, None)
        size, interval = hints(stream)
        while True:
            pending = self.buffers.pending(account, region, name)
            if pending.oldest is None:
                return
            due = pending.bytes >= size or self.runtime.clock.time() - pending.oldest >= interval
            retry = self._retry.get(ident)
            if not due or (retry and not force and time.monotonic() < retry["next"]):
                return
            batch = self.buffers.take(account, region, name, size)
            if not batch.keys:
                return
            try:
                self._deliver(stream, batch)
            except DeliveryError as exc:
                metrics.delivery_failed(self.runtime, stream)
                if not self._failed(stream, batch, exc):
                    return
            else:
                self._retry.pop(ident, None)
                metrics.delivered(self.runtime, stream, batch.records, batch.arrivals)
            self.buffers.remove(account, region, name, batch.keys)
            force = False

    def _deliver(self, stream: DeliveryStream, batch: Batch) -> None:
        kind, config = stream["DestinationType"], stream["DestinationConfiguration"]
        if kind in ("S3", "ExtendedS3"):
            s3_destination.deliver(self.runtime, stream, config, batch)
        elif kind == "HttpEndpoint":
            from nimbus.services.firehose import http_destination
            http_destination.deliver(self.runtime, stream, config, batch)
        elif kind == "Redshift":
            from nimbus.services.firehose import redshift
            redshift.deliver(self.runtime, stream, config, batch)

    def _failed(self, stream: DeliveryStream, batch: Batch, exc: DeliveryError) -> bool:
        """Record a refused delivery; True when its retry window is over and the batch was handed off."""
        ident = stream_ident(stream)
        now = self.runtime.clock.time()
        retry = self._retry.setdefault(ident, {"since": now, "attempts": 0})
        retry.update(attempts=retry["attempts"] + 1, next=time.monotonic() + RETRY_PAUSE, code=exc.code,
                     message=exc.message)
        self.record_error(stream, exc.code, exc.message)
        if now - retry["since"] < retry_window(stream):
            return False
        try:
            self._give_up(stream, batch, exc, retry["attempts"])
        except DeliveryError as fallback:  # the error/backup bucket refuses too: keep the records
            self.record_error(stream, fallback.code, fallback.message)
            return False
        self._retry.pop(ident, None)
        return True

    def _source_failed(self, stream: DeliveryStream, exc: DeliveryError) -> None:
        """The source stream refused a read: logged once per change of error, shown while it lasts."""
        ident = stream_ident(stream)
        failing = self._source_failing.get(ident)
        if failing is None or failing["code"] != exc.code:
            failing = self._source_failing[ident] = {"since": self.runtime.clock.time(), "attempts": 0,
                                                     "code": exc.code, "message": exc.message}
            self.record_error(stream, exc.code, exc.message)
        failing["attempts"] += 1

    def _give_up(self, stream: DeliveryStream, batch: Batch, exc: DeliveryError, attempts: int) -> None:
        kind, config = stream["DestinationType"], stream["DestinationConfiguration"]
        if kind == "HttpEndpoint":
            s3_destination.write_errors(self.runtime, stream, config["S3Configuration"], batch,
                                        "http-endpoint-failed", batch.records, batch.arrivals, exc.code,
                                        exc.message, attempts=attempts)
        elif kind == "Redshift":
            from nimbus.services.firehose import redshift
            redshift.give_up(self.runtime, stream, config, batch, exc)
        else:  # S3 itself refused for 24 hours: Firehose discards, and says so in its error log
            self.record_error(stream, "S3.Discarded", f"{len(batch.records)} records discarded after "
                              f"{attempts} attempts: {exc.message}")

    # -- the error log (Firehose's CloudWatch error logs) -------------------------------------

    def record_error(self, stream: DeliveryStream, code: str, message: str) -> None:
        ns = errors_ns(*stream_ident(stream))
        entry = ErrorLogEntry(Timestamp=self.runtime.clock.time(), ErrorCode=code, ErrorMessage=message)
        ERROR_LOG_ENTRY.put(self.runtime.store, ns, f"{time.time_ns():020d}", entry)
        kept = self.runtime.store.scan(ns)
        for key, _ in kept[:-MAX_ERRORS_KEPT]:
            self.runtime.store.delete(ns, key)

    def failing(self, stream: DeliveryStream) -> dict | None:
        """The error the stream is failing with now (its destination's, else its source's), if any."""
        ident = stream_ident(stream)
        return self._retry.get(ident) or self._source_failing.get(ident)
