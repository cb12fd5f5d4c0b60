"""An alarm changing state: the stored state, its history item, and its actions (SNS notifications with
AWS's alarm message), for the evaluator and SetAlarmState alike."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nimbus.core.arns import parse_arn
from nimbus.core.context import CallSource
from nimbus.core.identity import root_principal
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import alarms_ns
from nimbus.services.cloudwatch.documents import ALARM, Alarm
from nimbus.services.cloudwatch.history import add_history
from nimbus.services.cloudwatch.mute_schedule import muted
from nimbus.services.cloudwatch.suppression import hold_back

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
SERVICE_PRINCIPAL = "cloudwatch.amazonaws.com"
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
                "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
                "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-southeast-1": "Asia Pacific (Singapore)"}


def iso(epoch: float) -> str:
    """AWS's alarm timestamps: 2026-12-06T17:45:00.000+0000."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def change_state(runtime: Runtime, account: str, region: str, alarm: Alarm, state: str, reason: str,
                 reason_data: dict[str, Any] | None, now: float) -> None:
    """Move the alarm to ``state`` (a change only if it differs), record it and run its actions."""
    old_state, old_reason = alarm.get("StateValue", "INSUFFICIENT_DATA"), alarm.get("StateReason", "")
    alarm["StateValue"], alarm["StateReason"], alarm["StateUpdatedTimestamp"] = state, reason, now
    alarm["StateReasonData"] = json.dumps(reason_data) if reason_data is not None else ""
    if state == old_state:
        ALARM.put(runtime.store, alarms_ns(account, region), alarm["AlarmName"], alarm)
        return
    alarm["StateTransitionedTimestamp"], alarm["PreviousStateValue"] = now, old_state
    held = hold_back(runtime.store, account, region, alarm, old_state, now)
    ALARM.put(runtime.store, alarms_ns(account, region), alarm["AlarmName"], alarm)
    new: dict[str, Any] = {"stateValue": state, "stateReason": reason}
    if reason_data is not None:
        new["stateReasonData"] = reason_data
    add_history(runtime.store, account, region, alarm["AlarmName"], alarm["AlarmType"], now, "StateUpdate",
                f"Alarm updated from {old_state} to {state}",
                {"version": "1.0", "oldState": {"stateValue": old_state, "stateReason": old_reason}, "newState": new})
    if not held:
        run_actions(runtime, account, region, alarm, old_state, now)


def run_actions(runtime: Runtime, account: str, region: str, alarm: Alarm, old_state: str, now: float) -> None:
    """The actions of the alarm's (new) state, unless they are disabled or a mute rule holds them back."""
    if alarm.get("ActionsEnabled", True) and muted(runtime.store, account, region, alarm["AlarmName"], now) is None:
        for action in _actions(alarm, alarm["StateValue"]):
            _run_action(runtime, account, region, alarm, action, old_state, now)


def _actions(alarm: Alarm, state: str) -> list[str]:
    if state == "ALARM":
        return alarm.get("AlarmActions") or []
    return (alarm.get("OKActions") if state == "OK" else alarm.get("InsufficientDataActions")) or []


def _run_action(runtime: Runtime, account: str, region: str, alarm: Alarm, action: str, old_state: str,
                now: float) -> None:
    arn = parse_arn(action)
    region_name = REGION_NAMES.get(region, region)
    message = json.dumps(notification(alarm, account, region_name, old_state))
    subject = f'{alarm["StateValue"]}: "{alarm["AlarmName"]}" in {region_name}'[:100]
    data: dict[str, Any] = {"actionState": "Succeeded", "stateUpdateTimestamp": int(now * 1000),
                            "notificationResource": action, "publishedMessage": message}
    summary = f"Successfully executed action {action}"
    try:
        if arn is None or arn["service"] != "sns":
            raise ServiceError("UnsupportedAction", "nimbus runs SNS actions only")
        # A topic of the alarm's own account takes the alarm owner's word (its default policy lets the owner
        # publish, as AWS's does for alarms); another account's must name the service in its policy.
        owner = root_principal(account) if arn["account"] == account else None
        runtime.client.call("sns", "Publish", {"TopicArn": action, "Subject": subject, "Message": message},
                            account_id=arn["account"] or account, region=arn["region"] or region,
                            principal=owner, invoked_by=SERVICE_PRINCIPAL,
                            source=CallSource(alarm["AlarmArn"], account))
    except ServiceError as error:
        data = {"actionState": "Failed", "stateUpdateTimestamp": int(now * 1000), "error": error.message}
        summary = f"Failed to execute action {action}. Received error: \"{error.message}\""
    add_history(runtime.store, account, region, alarm["AlarmName"], alarm["AlarmType"], now, "Action", summary,
                data)


def notification(alarm: Alarm, account: str, region_name: str, old_state: str) -> dict[str, Any]:
    """The JSON body AWS publishes to an alarm's SNS topics."""
    body: dict[str, Any] = {
        "AlarmName": alarm["AlarmName"], "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": account, "AlarmConfigurationUpdatedTimestamp":
            iso(alarm["AlarmConfigurationUpdatedTimestamp"]),
        "NewStateValue": alarm["StateValue"], "NewStateReason": alarm["StateReason"],
        "StateChangeTime": iso(alarm["StateUpdatedTimestamp"]), "Region": region_name,
        "AlarmArn": alarm["AlarmArn"], "OldStateValue": old_state,
        "OKActions": alarm.get("OKActions") or [], "AlarmActions": alarm.get("AlarmActions") or [],
        "InsufficientDataActions": alarm.get("InsufficientDataActions") or [],
    }
    if alarm["AlarmType"] == "CompositeAlarm":
        body["AlarmRule"] = alarm.get("AlarmRule")
        return body
    trigger: dict[str, Any] = {
        "Period": alarm.get("Period"), "EvaluationPeriods": alarm.get("EvaluationPeriods"),
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm"),
        "ComparisonOperator": alarm.get("ComparisonOperator"), "Threshold": alarm.get("Threshold"),
        "TreatMissingData": alarm.get("TreatMissingData", "missing"),
        "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile", ""),
    }
    if alarm.get("Metrics"):
        trigger["Metrics"] = alarm["Metrics"]
    else:
        statistic = alarm.get("Statistic")
        trigger.update({
            "MetricName": alarm.get("MetricName"), "Namespace": alarm.get("Namespace"),
            "StatisticType": "Statistic" if statistic else "ExtendedStatistic",
            "Statistic" if statistic else "ExtendedStatistic":
                statistic.upper() if statistic else alarm.get("ExtendedStatistic"),
            "Unit": alarm.get("Unit"),
            "Dimensions": [{"value": d["Value"], "name": d["Name"]} for d in alarm.get("Dimensions") or []],
        })
    body["Trigger"] = trigger
    return body
