"""PutLogAlarm: an alarm over a CloudWatch Logs query run on a schedule (log_alarm_eval.py runs it). The
role the alarm names runs the query, so the caller needs iam:PassRole on it and it must trust
``cloudwatch.amazonaws.com``; the schedule is ``rate(n minutes|hours|days)`` or a five-field ``cron(...)``."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.alarms import AlarmOps
from nimbus.services.cloudwatch.common import invalid
from nimbus.services.cloudwatch.mute_schedule import MuteSchedule

SERVICE_PRINCIPAL = "cloudwatch.amazonaws.com"
LOG_MEMBERS = ("AlarmDescription", "OKActions", "AlarmActions", "InsufficientDataActions",
               "ScheduledQueryConfiguration", "QueryResultsToEvaluate", "QueryResultsToAlarm", "Threshold",
               "ComparisonOperator", "TreatMissingData", "ActionLogLineCount", "ActionLogLineRoleArn",
               "WarmUpConfiguration", "ActionConfiguration")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86400}
BAND_OPERATORS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")


def rate_seconds(expression: str) -> int | None:
    """The interval of a ``rate(...)`` schedule; None for a cron one (checked as mute rules check theirs)."""
    if match := _RATE.match(expression):
        if int(match.group(1)) < 1:
            raise invalid(f"Invalid schedule expression {expression}.")
        return int(match.group(1)) * _UNIT[match.group(2).rstrip("s")]
    MuteSchedule(expression, "PT1M", None)
    return None


class LogAlarmOps(AlarmOps):
    def put_log_alarm(self, ctx: RequestContext, params: dict) -> dict:
        config = params["ScheduledQueryConfiguration"]
        if params["QueryResultsToAlarm"] > params["QueryResultsToEvaluate"]:
            raise ServiceError("ValidationError",
                               "QueryResultsToAlarm must be less than or equal to QueryResultsToEvaluate.")
        if params["ComparisonOperator"] in BAND_OPERATORS:
            raise ServiceError("ValidationError", "Log alarms do not support anomaly detection band operators.")
        if params.get("TreatMissingData", "missing") not in ("missing", "ignore", "breaching", "notBreaching"):
            raise invalid(f"The value {params['TreatMissingData']} for parameter TreatMissingData is invalid.")
        if not config.get("LogGroupIdentifiers") and not config.get("QueryARN"):
            raise ServiceError("MissingParameter", "The parameter LogGroupIdentifiers is required.")
        schedule = config["ScheduleConfiguration"]
        rate_seconds(schedule["ScheduleExpression"])
        if schedule.get("EndTimeOffset", 0) >= schedule["StartTimeOffset"]:
            raise ServiceError("ValidationError", "EndTimeOffset must be less than StartTimeOffset.")
        check_pass_role(ctx, config["ScheduledQueryRoleARN"], SERVICE_PRINCIPAL,
                        f"log-alarm-{params['AlarmName']}"[:64],
                        lambda message: ServiceError("ValidationError", message))
        self._put_alarm(ctx, params, "LogAlarm", LOG_MEMBERS, None)
        return {}
