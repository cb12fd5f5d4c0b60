"""Alarm evaluation on the virtual clock, as CloudWatch evaluates: each metric alarm over its last
``EvaluationPeriods`` complete periods, ``DatapointsToAlarm`` of them breaching (M out of N) to alarm,
missing data treated as ``TreatMissingData`` says, low-sample percentiles as
``EvaluateLowSampleCountPercentile`` says, anomaly-detection bands by ``ThresholdMetricId``; then each
composite alarm by its rule over the states of the alarms it names."""
from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch import alarm_rule
from nimbus.services.cloudwatch.aggregation import find_metric, periods
from nimbus.services.cloudwatch.common import alarms_ns, regions_with
from nimbus.services.cloudwatch.documents import ALARM, Alarm
from nimbus.services.cloudwatch.queries import Runner
from nimbus.services.cloudwatch.statistics import compute, is_extended
from nimbus.services.cloudwatch.suppression import waiting_over
from nimbus.services.cloudwatch.transitions import change_state, iso, run_actions

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime
    from nimbus.store.base import Store

OPERATORS = {"GreaterThanOrEqualToThreshold": (">=", "greater than or equal to"),
             "GreaterThanThreshold": (">", "greater than"), "LessThanThreshold": ("<", "less than"),
             "LessThanOrEqualToThreshold": ("<=", "less than or equal to")}
BAND_WORDS = {"LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
              "LessThanLowerThreshold": "less than the lower band", "GreaterThanUpperThreshold":
                  "greater than the upper band"}


def breaches(operator: str, value: float, threshold: float | tuple[float, float]) -> bool:
    if isinstance(threshold, tuple):
        low, high = threshold
        return {"LessThanLowerThreshold": value < low, "GreaterThanUpperThreshold": value > high}.get(
            operator, value < low or value > high)
    return {">=": value >= threshold, ">": value > threshold, "<": value < threshold,
            "<=": value <= threshold}[OPERATORS[operator][0]]


def _low_samples(statistic: str, count: float) -> bool:
    """Too few samples for a percentile to mean anything (AWS: fewer than 10 / (1 - p))."""
    if not statistic.startswith("p"):
        return False
    try:
        share = float(statistic[1:]) / 100
    except ValueError:
        return False
    return share < 1 and count < 10 / (1 - share)


def alarm_period(alarm: Alarm) -> int:
    """A metric alarm's period, or a metric-math alarm's: its metrics' shortest."""
    if alarm.get("Period"):
        return alarm["Period"]
    found = [q.get("Period") or q.get("MetricStat", {}).get("Period") for q in alarm.get("Metrics") or []]
    return min((p for p in found if p), default=60)


def _values(store: Store, account: str, region: str, alarm: Alarm, start: float, end: float, period: int,
            ) -> tuple[dict[int, float], dict[int, float], dict[int, tuple[float, float]]]:
    """The alarm's values per period start, their sample counts, and the band per period (band alarms)."""
    if alarm.get("Metrics"):
        results = Runner(store, account, region).run(alarm["Metrics"], start, end)
        band_id = alarm.get("ThresholdMetricId")
        bands: dict[int, tuple[float, float]] = {}
        band = [r for r in results if r.id == band_id]
        if len(band) == 2:
            for t in band[0].values:
                if t in band[1].values:
                    low, high = sorted((band[0].values[t], band[1].values[t]))
                    bands[t] = (low, high)
        main = next((r for r in results if r.return_data and r.id != band_id), None)
        values = main.values if main else {}
        return values, dict.fromkeys(values, 1.0), bands
    metric = find_metric(store, account, region, alarm["Namespace"], alarm["MetricName"],
                         alarm.get("Dimensions") or [])
    if metric is None:
        return {}, {}, {}
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic") or "Average"
    values, counts = {}, {}
    for slot, bucket in periods(store, account, region, metric, start, end, period, alarm.get("Unit")).items():
        value = compute(bucket, statistic)
        if value is not None and not math.isnan(value):
            values[slot], counts[slot] = value, bucket["n"]
    return values, counts, {}


def evaluate_metric_alarm(store: Store, account: str, region: str, alarm: Alarm, now: float,
                          ) -> tuple[str, str, dict[str, Any] | None] | None:
    """The state the alarm should be in now, its reason and reason data; None to leave it as it is."""
    period = alarm_period(alarm)
    n = alarm["EvaluationPeriods"]
    m = alarm.get("DatapointsToAlarm") or n
    end = math.floor(now / period) * period
    start = end - n * period
    values, counts, bands = _values(store, account, region, alarm, start, end, period)
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic") or ""
    if alarm.get("EvaluateLowSampleCountPercentile") == "ignore" and is_extended(statistic):
        values = {t: v for t, v in values.items() if not _low_samples(statistic, counts.get(t, 0))}
    slots = [start + i * period for i in range(n)]
    treat = alarm.get("TreatMissingData", "missing")
    operator = alarm["ComparisonOperator"]
    threshold = alarm.get("Threshold", 0.0)
    present = [t for t in slots if t in values and (not bands or t in bands)]
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return None
        reason = (f"Insufficient Data: {n} datapoint{'s were' if n > 1 else ' was'} unknown.")
        return "INSUFFICIENT_DATA", reason, _reason_data(alarm, now, start, [], [], threshold)
    breaching_flags = []
    for t in slots:
        if t in present:
            limit = bands[t] if bands else threshold
            breaching_flags.append(breaches(operator, values[t], limit))
        elif treat == "breaching":
            breaching_flags.append(True)
        elif treat == "notBreaching":
            breaching_flags.append(False)
    breaching = sum(breaching_flags)
    state = "ALARM" if breaching >= m else "OK"
    recent = [values[t] for t in reversed(present)]
    stamps = [datetime.fromtimestamp(t, tz=UTC).strftime("%d/%m/%y %H:%M:%S") for t in reversed(present)]
    points = ", ".join(f"{v} ({s})" for v, s in zip(recent, stamps, strict=True))
    words = BAND_WORDS.get(operator) or OPERATORS[operator][1]
    counted = breaching if state == "ALARM" else len(breaching_flags) - breaching
    verb = "were" if counted != 1 else "was"
    if state == "OK":
        words = f"not {words}"
    limit_text = "" if bands else f" the threshold ({threshold})"
    reason = (f"Threshold Crossed: {counted} out of the last {n} datapoints [{points}] {verb} {words}"
              f"{limit_text} (minimum {m} datapoint{'s' if m > 1 else ''} for "
              f"{'OK -> ALARM' if state == 'ALARM' else 'ALARM -> OK'} transition).")
    return state, reason, _reason_data(alarm, now, start, recent, [(t, values[t], counts.get(t, 1.0))
                                                                     for t in reversed(present)], threshold)


def _reason_data(alarm: Alarm, now: float, start: float, recent: list[float],
                 evaluated: list[tuple[int, float, float]], threshold: float) -> dict[str, Any]:
    data: dict[str, Any] = {"version": "1.0", "queryDate": iso(now), "startDate": iso(start)}
    if alarm.get("Statistic"):
        data["statistic"] = alarm["Statistic"]
    if alarm.get("ExtendedStatistic"):
        data["extendedStatistic"] = alarm["ExtendedStatistic"]
    if alarm.get("Unit"):
        data["unit"] = alarm["Unit"]
    data.update(period=alarm_period(alarm), recentDatapoints=recent, threshold=threshold)
    data["evaluatedDatapoints"] = [{"timestamp": iso(t), "sampleCount": c, "value": v} for t, v, c in evaluated]
    return data


def evaluate_all(runtime: Runtime, now: float) -> None:
    store = runtime.store
    for account, region in regions_with(store, "alarms"):
        alarms = [alarm for _, alarm in ALARM.scan(store, alarms_ns(account, region))]
        for alarm in alarms:
            if alarm["AlarmType"] != "MetricAlarm":
                continue
            period = alarm_period(alarm)
            due = math.floor(now / period) * period
            if alarm.get("EvaluatedUntil", 0) >= due:
                continue  # nothing new: its last period was evaluated
            try:
                outcome = evaluate_metric_alarm(store, account, region, alarm, now)
            except ServiceError as error:  # a metric-math alarm whose query cannot run now
                outcome = ("INSUFFICIENT_DATA", f"Unable to evaluate the alarm: {error.message}", None)
            alarm["EvaluatedUntil"] = due
            if outcome is None or outcome[0] == alarm.get("StateValue"):
                ALARM.put(store, alarms_ns(account, region), alarm["AlarmName"], alarm)
            else:
                change_state(runtime, account, region, alarm, outcome[0], outcome[1], outcome[2], now)
        _evaluate_composites(runtime, account, region, now)
        _release_waiting(runtime, account, region, now)


def _release_waiting(runtime: Runtime, account: str, region: str, now: float) -> None:
    """Composite alarms whose suppressor wait period is over: their actions run now, or are dropped if the
    suppressor went into ALARM meanwhile."""
    for _, alarm in ALARM.scan(runtime.store, alarms_ns(account, region)):
        if alarm.get("PendingActionsAt", now + 1) > now:
            continue
        old_state = waiting_over(runtime.store, account, region, alarm, now)
        ALARM.put(runtime.store, alarms_ns(account, region), alarm["AlarmName"], alarm)
        if old_state is not None:
            run_actions(runtime, account, region, alarm, old_state, now)


def _due(composite: Alarm, children: list[Alarm]) -> bool:
    """Whether a composite alarm needs judging: new, reconfigured, or one of its alarms changed state since."""
    since = composite.get("StateUpdatedTimestamp", 0.0)
    return (composite.get("StateReason") == "Unchecked: Initial alarm creation"
            or composite.get("AlarmConfigurationUpdatedTimestamp", 0.0) >= since
            or any(child.get("StateUpdatedTimestamp", 0.0) >= since for child in children))


def _evaluate_composites(runtime: Runtime, account: str, region: str, now: float) -> None:
    """Composite alarms in rounds, so one naming another settles within the same tick."""
    store = runtime.store
    for _ in range(5):
        alarms = {a["AlarmName"]: a for _, a in ALARM.scan(store, alarms_ns(account, region))}
        states = {name: a.get("StateValue", "INSUFFICIENT_DATA") for name, a in alarms.items()}
        changed = False
        for alarm in alarms.values():
            if alarm["AlarmType"] != "CompositeAlarm":
                continue
            rule = alarm_rule.parse(alarm["AlarmRule"])
            named = sorted(alarm_rule.alarms_named(rule))
            if not _due(alarm, [alarms[n] for n in named if n in alarms]):
                continue  # nothing it watches changed since its own state did (SetAlarmState holds till then)
            state = "ALARM" if alarm_rule.holds(rule, states) else "OK"
            if state == alarm.get("StateValue"):
                continue
            triggered = [n for n in named if n in alarms and states[n] == "ALARM"]
            triggering = [{"arn": alarms[n]["AlarmArn"], "state": {
                "value": states[n], "timestamp": iso(alarms[n].get("StateUpdatedTimestamp", now))}}
                for n in triggered]
            if triggered:
                reason = (f"{alarms[triggered[0]]['AlarmArn']} transitioned to ALARM at "
                          f"{datetime.fromtimestamp(now, tz=UTC).strftime('%A %d %B, %Y %H:%M:%S UTC')}")
            else:
                reason = "No alarm in the rule is in ALARM state." if state == "OK" else "The rule holds."
            change_state(runtime, account, region, alarm, state, reason, {"triggeringAlarms": triggering}, now)
            states[alarm["AlarmName"]] = state
            changed = True
        if not changed:
            return
