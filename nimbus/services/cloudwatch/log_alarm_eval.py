"""Log alarms evaluated on the virtual clock: at each run of its schedule the alarm's query (its
QueryString, then ``| stats`` AggregationExpression) runs through CloudWatch Logs Insights as the alarm's
role over [run - StartTimeOffset, run - EndTimeOffset]; the run breaches when any row's aggregate value
(the first numeric field of a row that is not a group key) crosses the threshold. QueryResultsToAlarm of
the last QueryResultsToEvaluate runs breaching move it to ALARM, else OK; runs without a value count as
TreatMissingData says (``missing``: INSUFFICIENT_DATA when no run has one)."""
from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import alarms_ns
from nimbus.services.cloudwatch.documents import ALARM, Alarm
from nimbus.services.cloudwatch.evaluator import OPERATORS, breaches
from nimbus.services.cloudwatch.log_alarms import SERVICE_PRINCIPAL, rate_seconds
from nimbus.services.cloudwatch.mute_schedule import MuteSchedule
from nimbus.services.cloudwatch.transitions import change_state

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
QUERY_WAIT = 20.0  # real seconds a run waits for its Logs Insights query
MAX_CRON_SCAN = 86400  # a cron schedule's next run is looked for minute by minute over at most a day


def _next_run(expression: str, after: float) -> float:
    every = rate_seconds(expression)
    if every is not None:
        return (after // every + 1) * every
    schedule = MuteSchedule(expression, "PT1M", None)
    moment = datetime.fromtimestamp(after // 60 * 60 + 60, tz=UTC)
    for _ in range(MAX_CRON_SCAN // 60):
        if schedule.matches(moment):
            return moment.timestamp()
        moment += timedelta(minutes=1)
    return after + MAX_CRON_SCAN


def _query_values(runtime: Runtime, region: str, alarm: Alarm, run_at: float) -> list[float]:
    config = alarm["ScheduledQueryConfiguration"]
    schedule = config["ScheduleConfiguration"]
    query = f"{config['QueryString'].strip() or 'fields @timestamp'} | stats {config['AggregationExpression']}"
    params: dict[str, Any] = {"queryString": query, "logGroupIdentifiers": config.get("LogGroupIdentifiers") or [],
                              "startTime": int(run_at - schedule["StartTimeOffset"]),
                              "endTime": int(run_at - schedule.get("EndTimeOffset", 0))}

    def call(operation: str, given: dict[str, Any]) -> dict[str, Any]:
        return runtime.client.call_as_role(config["ScheduledQueryRoleARN"], "logs", operation, given,
                                           invoked_by=SERVICE_PRINCIPAL, session_name="log-alarm", region=region)

    query_id = call("StartQuery", params)["queryId"]
    deadline = time.monotonic() + QUERY_WAIT
    while True:
        results = call("GetQueryResults", {"queryId": query_id})
        if results["status"] not in ("Scheduled", "Running") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    keys = set(config["AggregationExpression"].split(" by ", 1)[1].split("|")[0].replace(",", " ").split()) \
        if " by " in config["AggregationExpression"] else set()
    values = []
    for row in results.get("results", []) if results["status"] == "Complete" else []:
        for cell in row:
            if cell["field"] in keys:
                continue
            try:
                number = float(cell["value"])
            except (TypeError, ValueError):
                continue
            if math.isfinite(number):
                values.append(number)
                break
    return values


def _judge(alarm: Alarm) -> tuple[str, str]:
    runs = alarm.get("QueryResults", [])[-alarm["QueryResultsToEvaluate"]:]
    treat = alarm.get("TreatMissingData", "missing")
    outcomes = [r[1] if r[1] is not None else {"breaching": True, "notBreaching": False}.get(treat) for r in runs]
    known = [o for o in outcomes if o is not None]
    if not known:
        return ("INSUFFICIENT_DATA" if treat == "missing" else alarm.get("StateValue", "INSUFFICIENT_DATA"),
                "Insufficient Data: no query result had a value.")
    breaching = sum(1 for o in known if o)
    words = OPERATORS[alarm["ComparisonOperator"]][1]
    reason = (f"Threshold Crossed: {breaching} out of the last {len(runs)} query results were {words} the "
              f"threshold ({alarm['Threshold']}).")
    return ("ALARM" if breaching >= alarm["QueryResultsToAlarm"] else "OK"), reason


def evaluate_log_alarms(runtime: Runtime, account: str, region: str, now: float) -> None:
    for _, alarm in ALARM.scan(runtime.store, alarms_ns(account, region)):
        if alarm["AlarmType"] != "LogAlarm":
            continue
        expression = alarm["ScheduledQueryConfiguration"]["ScheduleConfiguration"]["ScheduleExpression"]
        if "NextRunAt" not in alarm or alarm.get("AlarmConfigurationUpdatedTimestamp", 0) > alarm["NextRunAt"]:
            # new or reconfigured (PutLogAlarm rewrites the document): its first run is the schedule's next
            alarm["NextRunAt"] = _next_run(expression, max(now, alarm["AlarmConfigurationUpdatedTimestamp"]))
            ALARM.put(runtime.store, alarms_ns(account, region), alarm["AlarmName"], alarm)
        if alarm["NextRunAt"] > now:
            continue
        run_at = alarm["NextRunAt"]
        try:
            values = _query_values(runtime, region, alarm, run_at)
        except ServiceError as error:
            log.info("log alarm %s: the query could not run: %s", alarm["AlarmName"], error.message)
            values = []
        breached = any(breaches(alarm["ComparisonOperator"], v, alarm["Threshold"]) for v in values) \
            if values else None
        alarm["QueryResults"] = (alarm.get("QueryResults", []) + [[run_at, breached]])[
            -alarm["QueryResultsToEvaluate"]:]
        alarm["NextRunAt"] = _next_run(expression, now)
        state, reason = _judge(alarm)
        data = {"version": "1.0", "queryResults": [{"timestamp": r[0], "breaching": r[1]}
                                                   for r in alarm["QueryResults"]]}
        change_state(runtime, account, region, alarm, state, reason, data, now)
