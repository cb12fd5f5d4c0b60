"""CloudTrail's always-on engine: records every API call from the bus, and a scheduler that delivers
log files and digests for logging trails on the virtual clock.

Started at server start (``startup.py``), because the history must hold calls made before CloudTrail's
own API is first used. Records arrive after their call has been answered (core/events.py), never while it answers.
"""
from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.core.namespaces import Namespace
from nimbus.core.times import epoch_millis
from nimbus.services.cloudtrail import selectors
from nimbus.services.cloudtrail.documents import TRAIL, TRAIL_STATE, Trail, TrailState
from nimbus.services.cloudtrail.history import DATA, MANAGEMENT, HistoryWriter, time_key
from nimbus.services.cloudtrail.lazy_record import LazyRecord
from nimbus.services.cloudtrail.record_template import templated_record
from nimbus.services.cloudtrail.records import is_data_event

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
_engines: weakref.WeakKeyDictionary[Runtime, Engine] = weakref.WeakKeyDictionary()
TICK_SECONDS = 0.2
PRUNE_EVERY_SECONDS = 3600
KEEP_DELIVERIES = 3  # delivery intervals of records held in memory for delivery (recent.py)


def engine_for(runtime: Runtime) -> Engine:
    return _engines[runtime]


state_ns = Namespace("cloudtrail", "trail-state")
trails_ns = Namespace("cloudtrail", "trails")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Engine:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.store = runtime.store
        self.history = HistoryWriter(runtime.store)
        self._trails: list[tuple[str, Trail]] | None = None
        self._generation = 0
        self._lock = threading.RLock()
        self._last_prune = 0.0
        _engines[runtime] = self
        runtime.events.subscribe(API_CALL, self.on_call)
        # A jump of the virtual clock makes every timer in the skipped span due at once.
        self._job = runtime.scheduler.every("cloudtrail", TICK_SECONDS, lambda: self.tick(from_scheduler=True),
                                            on_advance=self.tick)

    # -- settings ----------------------------------------------------------------------------------

    @property
    def delivery_seconds(self) -> float:
        return self.runtime.config.cloudtrail_delivery_seconds

    @property
    def digest_seconds(self) -> float:
        return self.runtime.config.cloudtrail_digest_seconds

    # -- recording -------------------------------------------------------------------------------------

    def on_call(self, event: ApiCallEvent) -> None:
        data = is_data_event(event.service, event.operation)
        if data and not self._wants_data(event.account_id):
            return  # data events are only kept while a trail asks for them
        prebuilt = event.prebuilt  # by the front worker that answered (workers/prebuilt.py)
        record = LazyRecord(*prebuilt) if prebuilt is not None else templated_record(
            event, self.runtime.services.signing_name(event.service))
        if data and not self._selected(event.account_id, record):
            return  # ... and only those a trail's selectors name (not a stream Firehose polls for nothing)
        self.history.add(event.account_id, record["awsRegion"], DATA if data else MANAGEMENT, record,
                         epoch_millis(event.time))

    def flush(self) -> None:
        """Everything published so far is in the history, and in the LookupEvents index."""
        self.runtime.events.flush()  # returns at once when called while the bus hands records over on this thread
        self.history.flush()
        self.history.index_pending()

    # -- trails ----------------------------------------------------------------------------------------

    def logging_trails(self) -> list[tuple[str, Trail]]:
        trails = self._trails
        if trails is None:
            generation = self._generation
            trails = []
            for ns in self.store.namespaces(("cloudtrail",)):
                if len(ns) == 4 and ns[3] == "trails":
                    trails.extend((ns[1], doc) for _, doc in TRAIL.scan(self.store, ns) if doc["IsLogging"])
            if generation == self._generation:  # a change during the scan must not be cached away
                self._trails = trails
        return trails

    def _wants_data(self, account: str) -> bool:
        return any(a == account and selectors.wants_data(t) for a, t in self.logging_trails())

    def _selected(self, account: str, record: Mapping[str, Any]) -> bool:
        return any(a == account and selectors.matches(t, record) for a, t in self.logging_trails())

    def trails_changed(self) -> None:
        self._generation += 1
        self._trails = None

    def reset(self) -> None:
        with self._lock:
            self.trails_changed()
            self.history = HistoryWriter(self.store)

    def close(self) -> None:
        self._job.cancel(wait=True)
        try:
            self.flush()  # a clean shutdown keeps every call it answered
        except Exception:
            log.exception("cloudtrail could not save its last records")

    def _state(self, account: str, trail: Trail) -> TrailState:
        return TRAIL_STATE.get(self.store, state_ns(account, trail["HomeRegion"]), trail["Name"]) or {}

    def _save_state(self, account: str, trail: Trail, state: TrailState) -> None:
        TRAIL_STATE.put(self.store, state_ns(account, trail["HomeRegion"]), trail["Name"], state)

    def _hold_recent(self) -> None:
        self.history.hold_recent(int(KEEP_DELIVERIES * self.delivery_seconds * 1000))

    def logging_started(self, account: str, trail: Trail) -> None:
        with self._lock:
            self.flush()
            self._hold_recent()  # before the time Since is taken from: the first delivery reads memory too
            now = self.runtime.clock.time()
            state = self._state(account, trail)
            # "~" sorts after every key of this millisecond: calls made from now on (this one too) are newer.
            state.update({"StartLoggingTime": now, "Since": time_key(int(now * 1000), 0) + "~", "Cursors": {},
                          "NextDelivery": now + self.delivery_seconds})
            state.pop("Logs", None)  # CloudWatch Logs starts over from here too
            if trail.get("LogFileValidationEnabled"):
                from nimbus.services.cloudtrail.digests import start_chains
                start_chains(state, trail, now)
            self._save_state(account, trail, state)

    def logging_stopped(self, account: str, trail: Trail) -> None:
        with self._lock:
            self.flush()
            now = self.runtime.clock.time()
            state = self._state(account, trail)
            # What was recorded while it logged is still delivered, then the digest chain closes.
            from nimbus.services.cloudtrail.delivery import deliver
            from nimbus.services.cloudtrail.digests import write_due_digests
            deliver(self, account, {**trail, "IsLogging": True}, state, now)
            if trail.get("LogFileValidationEnabled"):
                write_due_digests(self, account, trail, state, now, force=True)
            state["StopLoggingTime"] = now
            self._save_state(account, trail, state)

    def validation_changed(self, account: str, trail: Trail) -> None:
        with self._lock:
            state = self._state(account, trail)
            if trail.get("LogFileValidationEnabled") and trail.get("IsLogging"):
                from nimbus.services.cloudtrail.digests import start_chains
                start_chains(state, trail, self.runtime.clock.time())
            elif not trail.get("LogFileValidationEnabled"):
                # Files delivered while validation is off are never digested, as in AWS.
                state.pop("Chains", None)
                state.pop("DigestFiles", None)
            self._save_state(account, trail, state)

    def trail_deleted(self, account: str, trail: Trail) -> None:
        with self._lock:
            self.store.delete(state_ns(account, trail["HomeRegion"]), trail["Name"])
            self.trails_changed()

    def status(self, account: str, trail: Trail) -> dict:
        state = self._state(account, trail)
        out: dict = {"IsLogging": bool(trail.get("IsLogging"))}
        for when in ("LatestDeliveryTime", "LatestNotificationTime", "StartLoggingTime", "StopLoggingTime",
                     "LatestCloudWatchLogsDeliveryTime", "LatestDigestDeliveryTime"):
            if state.get(when) is not None:
                out[when] = datetime.fromtimestamp(state[when], tz=UTC)
        for error in ("LatestDeliveryError", "LatestNotificationError", "LatestCloudWatchLogsDeliveryError",
                      "LatestDigestDeliveryError"):
            if text := state.get(error):
                out[error] = text
        # The deprecated attempt times are ISO strings, empty when unknown.
        for attempt in ("LatestDeliveryAttemptTime", "LatestNotificationAttemptTime",
                        "LatestDeliveryAttemptSucceeded", "LatestNotificationAttemptSucceeded"):
            out[attempt] = iso(state[attempt]) if state.get(attempt) else ""
        out["TimeLoggingStarted"] = iso(state["StartLoggingTime"]) if state.get("StartLoggingTime") else ""
        out["TimeLoggingStopped"] = iso(state["StopLoggingTime"]) if state.get("StopLoggingTime") else ""
        return out

    # -- the scheduler -----------------------------------------------------------------------------------

    def _tick_trail(self, account: str, trail: Trail, now: float, deliver, write_due_digests) -> None:
        # The cached list may lag a StopLogging or UpdateTrail by a tick: act on the stored trail.
        stored = TRAIL.get(self.store, trails_ns(account, trail["HomeRegion"]), trail["Name"])
        if stored is None or not stored["IsLogging"]:
            return
        trail = stored
        state = self._state(account, trail)
        if not state:
            return
        changed = False
        if now >= state.get("NextDelivery", 0):
            deliver(self, account, trail, state, now)
            state["NextDelivery"] = now + self.delivery_seconds
            changed = True
        if trail.get("LogFileValidationEnabled") and write_due_digests(self, account, trail, state, now):
            changed = True
        if changed:
            self._save_state(account, trail, state)

    def tick(self, from_scheduler: bool = False) -> None:
        if from_scheduler:
            self.history.flush()
        else:
            self.flush()
        with self._lock:
            now = self.runtime.clock.time()
            trails = list(self.logging_trails())
            if not trails:
                self.history.recent = None
            else:
                self._hold_recent()
            if trails:
                # Signing and delivery pull in cryptography: only once a trail logs, not at start-up.
                from nimbus.services.cloudtrail.delivery import deliver
                from nimbus.services.cloudtrail.digests import write_due_digests
            for account, trail in trails:
                try:
                    self._tick_trail(account, trail, now, deliver, write_due_digests)
                except Exception:  # one trail's surprise must not stop the others' delivery
                    log.exception("cloudtrail delivery for %s failed", trail.get("TrailARN"))
            if now - self._last_prune > PRUNE_EVERY_SECONDS and self.history.prune(now):
                self._last_prune = now  # until then each tick prunes a share of what aged
