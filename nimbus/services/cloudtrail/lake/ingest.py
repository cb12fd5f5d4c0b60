"""CloudTrail Lake's always-on part: feeds every recorded call to the event data stores that select it, keeps
each store's retention and the 7-day deletion window on the virtual clock, and runs queued queries.

Started with the server beside the trail engine (startup.py). Calls arrive after they were answered (core/events.py); an
account without an enabled store costs one dictionary lookup per call. Events are batched into the store (one
transaction per batch or per tick), one document per event under ``(cloudtrail, account, region, lake, <id>)``
keyed by time, oldest first, so retention deletes a prefix of keys."""
from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.core.namespaces import Namespace
from nimbus.core.times import epoch
from nimbus.services.cloudtrail import selectors
from nimbus.services.cloudtrail.lake.documents import EVENT_DATA_STORE, LAKE_QUERY, EventDataStore
from nimbus.services.cloudtrail.lake_hooks import EVENT_DATA_STORE_ARN, hooks_for
from nimbus.services.cloudtrail.lazy_record import LazyRecord
from nimbus.services.cloudtrail.records import build_record

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
_lakes: weakref.WeakKeyDictionary[Runtime, Lake] = weakref.WeakKeyDictionary()
events_ns = Namespace("cloudtrail", "lake")
queries_ns = Namespace("cloudtrail", "lake-queries")
stores_ns = Namespace("cloudtrail", "event-data-stores")
imports_ns = Namespace("cloudtrail", "lake-imports")
TICK_SECONDS = 0.5
BATCH = 500
PRUNE_CHUNK = 1000
PRUNE_EVERY_SECONDS = 3600
DELETION_WINDOW_SECONDS = 7 * 86400
RESULTS_KEPT_SECONDS = 7 * 86400
Runner = Callable[["Lake", str, str, str], None]


def lake_for(runtime: Runtime) -> Lake:
    return _lakes[runtime]


def event_key(ms: int, seq: int) -> str:
    return f"{ms:014d}-{seq:06d}"


class Lake:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.store = runtime.store
        self._stores: dict[str, list[tuple[str, EventDataStore]]] | None = None
        self._generation = 0
        self._pending: list[tuple[tuple[str, ...], str, dict]] = []
        self._lock = threading.Lock()
        self._last_ms = self._seq = 0
        self._last_prune = 0.0
        # (runner, account, region, id): queries and imports waiting for the worker
        self.queue: deque[tuple[Runner, str, str, str]] = deque()
        self._requeued = False
        self.running: dict[str, threading.Event] = {}  # query id -> its cancellation, while it runs
        _lakes[runtime] = self
        runtime.events.subscribe(API_CALL, self.on_call)
        self.job = runtime.scheduler.every("cloudtrail-lake", TICK_SECONDS, self.tick, on_advance=self.tick)
        hooks = hooks_for(runtime)  # channels name stores, and hand them the audit events they take
        hooks.find_event_data_store = self.find_store
        hooks.ingest.append(self.take_audit_event)

    def find_store(self, arn: str) -> EventDataStore | None:
        match = EVENT_DATA_STORE_ARN.match(arn)
        if match is None:
            return None
        return EVENT_DATA_STORE.get(self.store, stores_ns(match.group(2), match.group(1)), arn.rsplit("/", 1)[1])

    def take_audit_event(self, destination: str, record: dict) -> None:
        """An audit event a channel took for ``destination``: kept when that is an enabled store (a channel's
        destinations are named, so the store's selectors do not filter them)."""
        store = self.find_store(destination)
        match = EVENT_DATA_STORE_ARN.match(destination)
        if store is None or match is None or store["Status"] != "ENABLED":
            return
        self.add(events_ns(match.group(2), match.group(1), destination.rsplit("/", 1)[1]),
                 int(self.runtime.clock.time() * 1000), record)

    # -- which stores take a call ------------------------------------------------------------------

    def enabled_stores(self) -> dict[str, list[tuple[str, EventDataStore]]]:
        stores = self._stores
        if stores is None:
            generation = self._generation
            stores = {}
            for ns in self.store.namespaces(("cloudtrail",)):
                if len(ns) == 4 and ns[3] == "event-data-stores":
                    stores.setdefault(ns[1], []).extend(
                        (ns[2], doc) for _, doc in EVENT_DATA_STORE.scan(self.store, ns) if doc["Status"] == "ENABLED")
            if generation == self._generation:
                self._stores = stores
        return stores

    def stores_changed(self) -> None:
        self._generation += 1
        self._stores = None

    def on_call(self, event: ApiCallEvent) -> None:
        stores = self.enabled_stores().get(event.account_id)
        if not stores:
            return
        record = None
        when = epoch(event.time) or 0.0
        for region, store in stores:
            if when < store["CreatedTimestamp"]:
                continue  # a call made before the store existed, delivered late by the bus
            if record is None:
                prebuilt = event.prebuilt  # by the front worker that answered: the record as build_record makes it
                record = LazyRecord(*prebuilt).whole() if prebuilt is not None else build_record(
                    event, self.runtime.services.signing_name(event.service))
            if not store["MultiRegionEnabled"] and record["awsRegion"] != region:
                continue
            if selectors.matches({"AdvancedEventSelectors": store["AdvancedEventSelectors"]}, record):  # type: ignore[typeddict-item]
                self.add(events_ns(event.account_id, region, store["EventDataStoreArn"].rsplit("/", 1)[1]),
                          int(when * 1000), record)

    def add(self, ns: tuple[str, ...], ms: int, record: dict) -> None:
        with self._lock:
            if ms <= self._last_ms:
                ms, self._seq = self._last_ms, self._seq + 1
            else:
                self._last_ms, self._seq = ms, 0
            self._pending.append((ns, event_key(ms, self._seq), record))
            if len(self._pending) >= BATCH:
                self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        with self.store.transaction():
            for ns, key, record in batch:
                self.store.put(ns, key, record)

    def flush(self) -> None:
        """Every call published so far is in its stores."""
        self.runtime.events.flush()  # returns at once when called while the bus hands records over on this thread
        with self._lock:
            self._flush_locked()

    # -- the scheduler -------------------------------------------------------------------------------

    def tick(self) -> None:
        with self._lock:
            self._flush_locked()
        now = self.runtime.clock.time()
        if now - self._last_prune > PRUNE_EVERY_SECONDS:
            self._last_prune = now
            self.prune(now)
        if not self._requeued:
            self._requeued = True
            self._requeue_unfinished()
        while self.queue:
            runner, account, region, work_id = self.queue.popleft()
            try:
                runner(self, account, region, work_id)
            except Exception:  # one query's or import's surprise must not stop the others
                log.exception("cloudtrail lake work %s failed", work_id)

    def submit(self, runner: Runner, account: str, region: str, work_id: str) -> None:
        self.queue.append((runner, account, region, work_id))
        self.job.wake()

    def _requeue_unfinished(self) -> None:
        """Queries a stopped server had accepted run now."""
        for ns in self.store.namespaces(("cloudtrail",)):
            if len(ns) == 4 and ns[3] == "lake-queries":
                for _, query in LAKE_QUERY.scan(self.store, ns):
                    if query["QueryStatus"] in ("QUEUED", "RUNNING"):
                        # Only now: the SQL engine (duckdb, pyarrow, sqlglot) is most of a fresh server's memory.
                        from nimbus.services.cloudtrail.lake.run import execute
                        query["QueryStatus"] = "QUEUED"
                        LAKE_QUERY.put(self.store, ns, query["QueryId"], query)
                        self.queue.append((execute, ns[1], ns[2], query["QueryId"]))

    def prune(self, now: float) -> None:
        """Events past their store's retention, stores past their deletion window, results past 7 days."""
        for ns in self.store.namespaces(("cloudtrail",)):
            if len(ns) == 4 and ns[3] == "event-data-stores":
                for key, store in EVENT_DATA_STORE.scan(self.store, ns):
                    events = events_ns(ns[1], ns[2], key)
                    if store["Status"] == "PENDING_DELETION" and \
                            now - store.get("DeletedTime", now) >= DELETION_WINDOW_SECONDS:
                        self.store.delete_namespace(events)
                        self.store.delete(ns, key)
                        self.stores_changed()
                        continue
                    cutoff = event_key(int((now - store["RetentionPeriod"] * 86400) * 1000), 0)
                    while aged := [k for k, _ in self.store.scan(events, limit=PRUNE_CHUNK) if k < cutoff]:
                        with self.store.transaction():
                            for k in aged:
                                self.store.delete(events, k)
            elif len(ns) == 4 and ns[3] == "lake-queries":
                for key, query in LAKE_QUERY.scan(self.store, ns):
                    if now - query["CreationTime"] >= RESULTS_KEPT_SECONDS:
                        self.store.delete(ns, key)

    def reset(self) -> None:
        with self._lock:
            self._pending = []
        self.queue.clear()
        self.stores_changed()

    def close(self) -> None:
        self.job.cancel(wait=True)
        try:
            with self._lock:
                self._flush_locked()
        except Exception:
            log.exception("cloudtrail lake could not save its last events")
