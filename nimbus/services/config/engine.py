"""Config's recording engine: configuration items from every service's resource-change events.

Started with the server (``startup.py``) because recorders keep recording across restarts. It listens to
resource changes only while some recorder records, so a server without one does no work for Config.
An event only marks its resource as changed; a scheduler job (``nimbus-config``) records what changed,
reading each resource through the internal client as the recorder's role. Changes to one resource that
arrive within a tick make one item, and all of it runs off the request path.
"""
from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nimbus.core.event_ids import cloudtrail_event_id
from nimbus.core.events import RESOURCE_CHANGE, ResourceChangeEvent
from nimbus.protocol.errors import ServiceError
from nimbus.services.config import delivery
from nimbus.services.config.documents import RECORDER, Recorder
from nimbus.services.config.items import DELETED, DELETED_NOT_RECORDED, GONE, ItemStore, build_item, gone_item
from nimbus.services.config.reading import Reader
from nimbus.services.config.rule_engine import RuleEngine
from nimbus.services.config.selection import selected_types, selects
from nimbus.services.config.state_names import DAILY, DAILY_SECONDS, daily_ns, recorders_ns
from nimbus.services.config.supported import SUPPORTED

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0  # changes to one resource within a second make one item; reads record what is pending first
_engines: weakref.WeakKeyDictionary[Runtime, Engine] = weakref.WeakKeyDictionary()


def engine_for(runtime: Runtime) -> Engine:
    return _engines[runtime]


@dataclass(frozen=True)
class Change:
    account: str
    region: str  # the recorder's
    resource_type: str
    arn: str
    deleted: bool


class Engine:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.store = runtime.store
        self._lock = threading.Lock()
        self._ticking = threading.Lock()  # one tick at a time, so a flush waits for the one under way
        self._recording: dict[tuple[str, str], Recorder] = {}
        self._pending: dict[Change, None] = {}
        self._related: dict[tuple[str, str, str], list[str]] = {}  # (account, region, arn) -> CloudTrail event ids
        self._discoveries: list[tuple[str, str]] = []
        self._subscribed = False
        _engines[runtime] = self
        self._load()
        self._job = runtime.scheduler.every("config", TICK_SECONDS, self.tick, on_advance=self.tick)
        self.rules = RuleEngine(runtime)  # evaluates Config rules on each item recorded, and periodically

    # -- which recorders record ----------------------------------------------------------------------

    def _load(self) -> None:
        with self._lock:
            self._recording = {}
            for ns in self.store.namespaces(("config",)):
                if len(ns) == 4 and ns[3] == "recorders":
                    for _, recorder in RECORDER.scan(self.store, ns):
                        if recorder.get("recording"):
                            self._recording[(ns[1], ns[2])] = recorder
        self._subscribe()

    def recorder_changed(self, account: str, region: str, discover: bool = False) -> None:
        """A recorder was put, started, stopped or deleted: record as it now says (discovering on start)."""
        recorders = [r for _, r in RECORDER.scan(self.store, recorders_ns(account, region))]
        with self._lock:
            if recorders and recorders[0].get("recording"):
                self._recording[(account, region)] = recorders[0]
            else:
                self._recording.pop((account, region), None)
            if discover:
                self._discoveries.append((account, region))
        self._subscribe()
        if discover:
            self._job.wake()

    def _subscribe(self) -> None:
        wanted = bool(self._recording)
        if wanted and not self._subscribed:
            self.runtime.events.subscribe(RESOURCE_CHANGE, self.on_change)
        elif not wanted and self._subscribed:
            self.runtime.events.unsubscribe(RESOURCE_CHANGE, self.on_change)
        self._subscribed = wanted

    # -- events ---------------------------------------------------------------------------------------

    def on_change(self, event: ResourceChangeEvent) -> None:
        support = SUPPORTED.get(event.resource_type)
        if support is None:
            return
        with self._lock:
            targets = [(key, recorder) for key, recorder in self._recording.items()
                       if key[0] == event.account_id and (support.is_global or key[1] == event.region)]
        for (account, region), recorder in targets:
            change = Change(account, region, event.resource_type, event.resource_arn, event.change == "deleted")
            with self._lock:
                self._related.setdefault((account, region, change.arn), []).append(
                    cloudtrail_event_id(event.request_id))
            if recorder["recordingMode"].get("recordingFrequency") == DAILY and not change.deleted:
                self.store.put(daily_ns(account, region), change.arn, change.resource_type)
                continue
            with self._lock:
                self._pending[change] = None

    # -- the job --------------------------------------------------------------------------------------

    def tick(self) -> None:
        with self._ticking:
            self._tick()

    def _tick(self) -> None:
        with self._lock:
            changes, self._pending = list(self._pending), {}
            discoveries, self._discoveries = self._discoveries, []
            recording = dict(self._recording)
        for account, region in discoveries:
            if (account, region) in recording:
                self.discover(recording[(account, region)], account, region)
        for change in changes:
            recorder = recording.get((change.account, change.region))
            if recorder is not None:
                self._record_safely(recorder, change)
        now = self.runtime.clock.time()
        for (account, region), recorder in recording.items():
            if recorder["recordingMode"].get("recordingFrequency") == DAILY:
                self._record_daily(recorder, account, region, now)
            delivery.deliver_due(self.runtime, account, region, recorder, now)

    def _record_daily(self, recorder: Recorder, account: str, region: str, now: float) -> None:
        last = recorder.get("lastDailyRecordingTime") or recorder.get("lastStartTime") or now
        if now - last < DAILY_SECONDS:
            return
        for arn, resource_type in self.store.scan(daily_ns(account, region)):
            self._record_safely(recorder, Change(account, region, resource_type, arn, False))
        self.store.delete_namespace(daily_ns(account, region))
        self._update_status(account, region, lastDailyRecordingTime=now)

    def _record_safely(self, recorder: Recorder, change: Change) -> None:
        try:
            self.record(recorder, change)
        except ServiceError as error:
            self._update_status(change.account, change.region, lastStatus="Failure", lastErrorCode=error.code,
                                lastErrorMessage=error.message)
            return
        except Exception:  # one resource's failure must not stop the others being recorded
            log.exception("config could not record %s", change.arn)
            return
        if recorder.get("lastStatus") != "Success":
            self._update_status(change.account, change.region, lastStatus="Success")

    def _update_status(self, account: str, region: str, **fields) -> Recorder | None:
        with self.store.transaction():
            recorders = [r for _, r in RECORDER.scan(self.store, recorders_ns(account, region))]
            if not recorders:
                return None
            recorder = recorders[0]
            if "lastStatus" in fields and fields["lastStatus"] != recorder.get("lastStatus"):
                fields["lastStatusChangeTime"] = self.runtime.clock.time()
            if fields.get("lastStatus") == "Success":
                recorder.pop("lastErrorCode", None)
                recorder.pop("lastErrorMessage", None)
            recorder.update(fields)  # type: ignore[typeddict-item]
            RECORDER.put(self.store, recorders_ns(account, region), recorder["name"], recorder)
        with self._lock:
            if (account, region) in self._recording:
                self._recording[(account, region)] = recorder
        return recorder

    # -- recording ------------------------------------------------------------------------------------

    def reader(self, recorder: Recorder, account: str, region: str) -> Reader:
        return Reader(self.runtime, account, region, recorder["roleARN"])

    def record(self, recorder: Recorder, change: Change) -> None:
        with self._lock:
            related = self._related.pop((change.account, change.region, change.arn), [])
        items = ItemStore(self.store, change.account, change.region)
        now = self.runtime.clock.time()
        selected = selects(recorder["recordingGroup"], change.resource_type)
        described = None
        if not change.deleted and selected:
            described = SUPPORTED[change.resource_type].describe(
                self.reader(recorder, change.account, change.region), change.arn)
        if described is None:
            previous = items.latest_by_arn(change.arn)
            if previous is not None and previous["item"]["configurationItemStatus"] not in GONE:
                status = DELETED if selected else DELETED_NOT_RECORDED
                self._append(recorder, items, gone_item(previous, now, status), previous["item"])
            return
        previous = items.latest(change.resource_type, described.resource_id)
        support = SUPPORTED[change.resource_type]
        item = build_item(change.account, change.region, change.resource_type, described, support.is_global,
                          previous, now, recorder["recordingMode"].get("recordingFrequency", "CONTINUOUS"), related)
        if item is not None:
            self._append(recorder, items, item, previous["item"] if previous else None)
        elif related and previous is not None:
            # A tick that ran between a call and its event reaching Config described the change already: the
            # item that shows it names the call.
            items.add_related(previous, related)

    def _append(self, recorder: Recorder, items: ItemStore, item: dict, previous: dict | None) -> None:
        items.append(item)
        delivery.notify_change(self.runtime, items.account, items.region, recorder, item, previous)
        self.rules.on_item(items.account, items.region, item)

    def discover(self, recorder: Recorder, account: str, region: str) -> None:
        """Starting a recorder records every existing resource it selects (ResourceDiscovered), and the
        deletion of what it recorded before that is gone now."""
        reader = self.reader(recorder, account, region)
        items = ItemStore(self.store, account, region)
        for resource_type in selected_types(recorder["recordingGroup"]):
            try:
                existing = set(SUPPORTED[resource_type].discover(reader))
            except ServiceError as error:
                self._update_status(account, region, lastStatus="Failure", lastErrorCode=error.code,
                                    lastErrorMessage=error.message)
                continue
            for arn in sorted(existing):
                self._record_safely(recorder, Change(account, region, resource_type, arn, False))
            for recorded in items.resources(resource_type):
                if recorded["item"]["arn"] not in existing and "resourceDeletionTime" not in recorded:
                    self._record_safely(recorder, Change(account, region, resource_type, recorded["item"]["arn"], True))

    # -- lifecycle ------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Record what changed so far (the bus first), for callers that must see it at once."""
        self.runtime.events.flush()
        self.tick()

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._discoveries.clear()
            self._related.clear()
        self._load()

    def close(self) -> None:
        self.rules.close()
        self._job.cancel(wait=True)
        if self._subscribed:
            self.runtime.events.unsubscribe(RESOURCE_CHANGE, self.on_change)
            self._subscribed = False
