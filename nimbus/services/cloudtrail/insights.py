"""CloudTrail Insights: unusual API call rates and error rates, measured per minute against a baseline.

What nimbus computes, per account and region, once a logging trail of the account has Insights on:
- every closed minute of the virtual clock, from the management events in the history: for each API
  (``eventSource``, ``eventName``) its write calls (ApiCallRateInsight), and for each API and error code
  its failed calls (ApiErrorRateInsight), with all of the API's calls beside them;
- the baseline of a measure is its mean and standard deviation per minute over the past seven days
  (10,080 minutes, or the minutes since Insights began when fewer; minutes without calls count as 0), kept
  as running sums: a minute's counts are added once measured and taken away when they leave the window;
- a minute is unusual for a measure when it exceeds the baseline mean by more than three standard deviations
  and by at least ``MIN_EXCESS`` calls, once the baseline spans ``MIN_BASELINE_MINUTES``. The first unusual
  minute writes an ``InsightStart`` event (its time is that minute's start); the first usual minute after
  it writes the ``InsightEnd`` with the whole span's statistics.
Insight events go to the history's ``insights`` kind (LookupEvents with EventCategory=insight) and to S3 with
each trail that asked for their type (insight_delivery.py).
"""
from __future__ import annotations

import copy
import logging
import math
import threading
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nimbus.core.namespaces import Namespace
from nimbus.services.cloudtrail.documents import (
    INSIGHT_DELIVERY,
    INSIGHTS_STATE,
    ActiveInsight,
    InsightsState,
    Trail,
)
from nimbus.services.cloudtrail.engine import engine_for
from nimbus.services.cloudtrail.history import INSIGHTS, MANAGEMENT, history_ns, key_ms, time_key

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
CALL_RATE, ERROR_RATE = "ApiCallRateInsight", "ApiErrorRateInsight"
WINDOW_MINUTES = 7 * 24 * 60
METRIC_MINUTES = 90 * 24 * 60  # minute counts kept for ListInsightsMetricData
MIN_BASELINE_MINUTES = 60
SIGMAS = 3.0
MIN_EXCESS = 10
ATTRIBUTES = ("userIdentityArn", "userAgent", "errorCode")
TOP_VALUES = 5
SCAN_CHUNK = 1000

state_ns = Namespace("cloudtrail", "insights-state")
minutes_ns = Namespace("cloudtrail", "insight-minutes")
delivery_ns = Namespace("cloudtrail", "insight-delivery")
Emitted = tuple[str, ActiveInsight, str, int]  # measure key, the insight as it stands, Start or End, minute


def enabled(runtime: Runtime, account: str, trail: Trail) -> None:
    """PutInsightSelectors turned Insights on: the trail's files start now, and the baseline, if new, too."""
    now = runtime.clock.time()
    INSIGHT_DELIVERY.put(runtime.store, delivery_ns(account, trail["HomeRegion"]), trail["Name"],
                         {"Since": time_key(int(now * 1000), 0) + "~", "Cursors": {}})
    ns = state_ns(account, trail["HomeRegion"])
    if INSIGHTS_STATE.get(runtime.store, ns, "state") is None:
        INSIGHTS_STATE.put(runtime.store, ns, "state", new_state(now))


def new_state(now: float) -> InsightsState:
    first = int(now // 60) + 1  # the first whole minute after Insights began
    return {"FirstMinute": first, "NextMinute": first, "Sums": {}, "Active": {}}


def iso_minute(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- measuring ------------------------------------------------------------------------------------------

def minute_measures(records: list[dict]) -> tuple[Counter, dict[str, dict[str, Counter]]]:
    """One minute's counts by measure key (``call|source|name``, ``error|source|name|code``,
    ``all|source|name``) and, per call or error measure, who made the calls."""
    counts: Counter = Counter()
    attributions: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for record in records:
        api = f"{record['eventSource']}|{record['eventName']}"
        counts[f"all|{api}"] += 1
        keys = []
        if not record.get("readOnly"):
            keys.append(f"call|{api}")
        if record.get("errorCode"):
            keys.append(f"error|{api}|{record['errorCode']}")
        for key in keys:
            counts[key] += 1
            found = attributions[key]
            found["userIdentityArn"][record["userIdentity"].get("arn") or "null"] += 1
            found["userAgent"][record.get("userAgent") or "null"] += 1
            found["errorCode"][record.get("errorCode") or "null"] += 1
    return counts, attributions


class Insights:
    """The scheduler job: measures closed minutes, starts and ends insights, then delivers their files."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.store = runtime.store
        self._lock = threading.Lock()
        self._job = runtime.scheduler.every("cloudtrail-insights", 1.0, self.run, on_advance=self.run)

    def run(self) -> None:
        engine = engine_for(self.runtime)
        trails = [(a, t) for a, t in engine.logging_trails() if t.get("InsightSelectors")]
        if not trails:
            return
        from nimbus.services.cloudtrail import insight_delivery
        with self._lock:
            engine.flush()
            now = self.runtime.clock.time()
            for account, region in sorted({(a, r) for a, t in trails for r in self._regions(a, t)}):
                try:
                    self.measure(account, region, now)
                except Exception:  # one account's surprise must not stop the others
                    log.exception("cloudtrail insights for %s %s failed", account, region)
            for account, trail in trails:
                try:
                    insight_delivery.deliver(engine, account, trail, self._regions(account, trail), now)
                except Exception:
                    log.exception("cloudtrail insights delivery for %s failed", trail.get("TrailARN"))

    def _regions(self, account: str, trail: Trail) -> list[str]:
        if not trail.get("IsMultiRegionTrail"):
            return [trail["HomeRegion"]]
        return sorted({trail["HomeRegion"]} | {ns[2] for ns in self.store.namespaces(("cloudtrail", account))
                                                if len(ns) == 4 and ns[3] == MANAGEMENT})

    def measure(self, account: str, region: str, now: float) -> None:
        ns = state_ns(account, region)
        state = INSIGHTS_STATE.get(self.store, ns, "state") or new_state(now)
        current = int(now // 60)
        if state["NextMinute"] >= current:
            INSIGHTS_STATE.put(self.store, ns, "state", state)
            return
        by_minute = self._records(account, region, state["NextMinute"], current)
        emitted: list[Emitted] = []
        with self.store.transaction():
            for minute in [*sorted(by_minute), current]:
                self._end_quiet(state, minute, emitted)
                if minute == current:
                    break
                self._age(account, region, state, minute - WINDOW_MINUTES)
                self._measure_minute(account, region, state, minute, by_minute[minute], emitted)
            self._age(account, region, state, current - WINDOW_MINUTES)
            state["NextMinute"] = current
            INSIGHTS_STATE.put(self.store, ns, "state", state)
            self._save_events(account, region, emitted)

    def _records(self, account: str, region: str, first: int, current: int) -> dict[int, list[dict]]:
        """The management events of minutes ``first`` to ``current`` (excluded), by minute."""
        found: dict[int, list[dict]] = defaultdict(list)
        ns = history_ns(account, region, MANAGEMENT)
        start = time_key(current * 60000, 0)  # keys order newest first: from just before ``current``
        while True:
            chunk = self.store.scan(ns, start_after=start, limit=SCAN_CHUNK)
            for key, record in chunk:
                ms = key_ms(key)
                if ms < first * 60000:
                    return found
                found[ms // 60000].append(record)
            if len(chunk) < SCAN_CHUNK:
                return found
            start = chunk[-1][0]

    def _age(self, account: str, region: str, state: InsightsState, before: int) -> None:
        """Minutes older than ``before`` leave the baseline; minute counts stay 90 days for the metrics
        (insight_metrics.py)."""
        ns = minutes_ns(account, region)
        aged = state.get("AgedBefore", 0)
        start = f"{aged - 1:012d}" if aged else None
        while aged < before:
            chunk = self.store.scan(ns, start_after=start, limit=SCAN_CHUNK)
            leaving = [(key, doc) for key, doc in chunk if int(key) < before]
            for _, doc in leaving:
                for measure, count in doc["Counts"].items():
                    sums = state["Sums"].get(measure)
                    if sums is not None:
                        sums[0] -= count
                        sums[1] -= count * count
                        if sums[0] <= 0:
                            del state["Sums"][measure]
            if len(leaving) < SCAN_CHUNK:
                break
            start = chunk[-1][0]
        state["AgedBefore"] = max(aged, before)
        forgotten = before + WINDOW_MINUTES - METRIC_MINUTES
        for key, _ in self.store.scan(ns, limit=SCAN_CHUNK):
            if int(key) >= forgotten:
                break
            self.store.delete(ns, key)

    def _baseline(self, state: InsightsState, measure: str, minutes: int) -> tuple[float, float]:
        total, squares = state["Sums"].get(measure, (0.0, 0.0))
        mean = total / minutes
        return mean, math.sqrt(max(squares / minutes - mean * mean, 0.0))

    def _measure_minute(self, account: str, region: str, state: InsightsState, minute: int, records: list[dict],
                        emitted: list[Emitted]) -> None:
        counts, attributions = minute_measures(records)
        minutes = min(minute - state["FirstMinute"], WINDOW_MINUTES)
        if minutes >= MIN_BASELINE_MINUTES:
            measured = {k for k in counts if not k.startswith("all|")} | set(state["Active"])
            for key in sorted(measured):
                mean, deviation = self._baseline(state, key, minutes)
                value = counts.get(key, 0)
                api = "all|" + "|".join(key.split("|")[1:3])
                if value >= mean + MIN_EXCESS and value > mean + SIGMAS * deviation:
                    self._unusual(state, key, minute, value, counts[api], attributions[key], emitted,
                                  self._baseline_value(state, key, api, mean), minutes)
                elif key in state["Active"]:
                    emitted.append(self._event(key, state["Active"].pop(key), "End", minute))
        for key, count in counts.items():
            sums = state["Sums"].setdefault(key, [0.0, 0.0])
            sums[0] += count
            sums[1] += count * count
        self.store.put(minutes_ns(account, region), f"{minute:012d}", {"Counts": dict(counts)})

    @staticmethod
    def _baseline_value(state: InsightsState, key: str, api: str, mean: float) -> float:
        if key.startswith("call|"):
            return mean
        calls = state["Sums"].get(api, (0.0, 0.0))[0]
        return state["Sums"].get(key, (0.0, 0.0))[0] / calls if calls else 0.0

    def _unusual(self, state: InsightsState, key: str, minute: int, value: int, calls: int,
                 attributions: dict[str, Counter], emitted: list[Emitted], baseline: float, minutes: int) -> None:
        active = state["Active"].get(key)
        if active is None:
            active = state["Active"][key] = {
                "SharedEventID": str(uuid.uuid4()), "StartMinute": minute, "LastMinute": minute, "Counts": [],
                "Calls": [], "Attributions": {}, "Baseline": baseline, "BaselineMinutes": minutes}
        active["LastMinute"] = minute
        active["Counts"].append(value)
        active["Calls"].append(calls)
        for attribute, found in attributions.items():
            mine = active["Attributions"].setdefault(attribute, {})
            for value_name, count in found.items():
                mine[value_name] = mine.get(value_name, 0) + count
        if len(active["Counts"]) == 1:
            emitted.append(self._event(key, active, "Start", minute))

    def _end_quiet(self, state: InsightsState, minute: int, emitted: list[Emitted]) -> None:
        """Insights whose API made no calls at all in the minute after their last unusual one end there."""
        for key in [k for k, a in state["Active"].items() if a["LastMinute"] < minute - 1]:
            active = state["Active"].pop(key)
            emitted.append(self._event(key, active, "End", active["LastMinute"] + 1))

    @staticmethod
    def _event(key: str, active: ActiveInsight, word: str, minute: int) -> Emitted:
        return key, copy.deepcopy(active), word, minute

    def _save_events(self, account: str, region: str, emitted: list[Emitted]) -> None:
        from nimbus.services.cloudtrail.insight_delivery import insight_record
        ns = history_ns(account, region, INSIGHTS)
        for key, active, word, minute in emitted:
            seq = 0
            while self.store.get(ns, time_key(minute * 60000, seq)) is not None:
                seq += 1  # several insights of one minute each keep their own key
            self.store.put(ns, time_key(minute * 60000, seq), insight_record(account, region, key, active, word,
                                                                             minute))
