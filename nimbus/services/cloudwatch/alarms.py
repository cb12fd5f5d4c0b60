"""Metric and composite alarms: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms (+ForMetric),
DeleteAlarms, SetAlarmState, Enable/DisableAlarmActions."""
from __future__ import annotations

import json
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch import alarm_rule
from nimbus.services.cloudwatch.alarm_checks import check_metric_alarm
from nimbus.services.cloudwatch.common import alarms_ns, combination, not_found
from nimbus.services.cloudwatch.documents import Alarm
from nimbus.services.cloudwatch.history import add_history
from nimbus.services.cloudwatch.state import CloudWatchState
from nimbus.services.cloudwatch.tagging import TaggingOps
from nimbus.services.cloudwatch.transitions import change_state

RESOURCE_TYPE = "AWS::CloudWatch::Alarm"
METRIC_MEMBERS = ("AlarmDescription", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
                  "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
                  "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
                  "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId")
COMPOSITE_MEMBERS = ("AlarmDescription", "OKActions", "AlarmActions", "InsufficientDataActions", "AlarmRule",
                     "ActionsSuppressor", "ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod")
TIMES = ("AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp")
PAGE = 100


def shown(alarm: Alarm) -> dict[str, Any]:
    """An alarm as DescribeAlarms lists it."""
    out: dict[str, Any] = {k: v for k, v in alarm.items()
                           if k not in ("SchemaVersion", "AlarmType", "EvaluatedUntil", "PendingActionsAt",
                                         "PendingOldState", "PreviousStateValue", "NextRunAt",
                                         "QueryResults")}
    for name in TIMES:
        if name in out:
            out[name] = timestamp(out[name])
    out.setdefault("OKActions", [])
    out.setdefault("AlarmActions", [])
    out.setdefault("InsufficientDataActions", [])
    if alarm["AlarmType"] == "MetricAlarm":
        out.setdefault("Dimensions", [])
    return out


class AlarmOps(TaggingOps, CloudWatchState):
    def put_metric_alarm(self, ctx: RequestContext, params: dict) -> dict:
        check_metric_alarm(params)
        self._put_alarm(ctx, params, "MetricAlarm", METRIC_MEMBERS, RESOURCE_TYPE)
        return {}

    def put_composite_alarm(self, ctx: RequestContext, params: dict) -> dict:
        rule = alarm_rule.parse(params["AlarmRule"])
        if params["AlarmName"] in alarm_rule.alarms_named(rule):
            raise ServiceError("ValidationError", "An alarm cannot refer to itself in its AlarmRule.")
        self._put_alarm(ctx, params, "CompositeAlarm", COMPOSITE_MEMBERS, None)
        return {}

    def _put_alarm(self, ctx: RequestContext, params: dict, kind: str, members: tuple[str, ...],
                   resource_type: str | None) -> None:
        name, now = params["AlarmName"], self.clock.time()
        arn = ctx.arn(f"alarm:{name}")
        with self.store.transaction():
            old = self.alarm(ctx, name)
            if old is not None and old["AlarmType"] != kind:
                raise ServiceError("ValidationError", f"The alarm {name} is a {old['AlarmType']}.")
            alarm: Alarm = {"AlarmName": name, "AlarmArn": arn, "AlarmType": kind,
                            "AlarmConfigurationUpdatedTimestamp": now,
                            "ActionsEnabled": params.get("ActionsEnabled", True)}
            alarm.update({k: params[k] for k in members if params.get(k) is not None})  # type: ignore[typeddict-item]
            if old is None:
                alarm.update({"StateValue": "INSUFFICIENT_DATA", "StateReason": "Unchecked: Initial alarm creation",
                              "StateUpdatedTimestamp": now, "StateTransitionedTimestamp": now})
            else:
                for key in ("StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp",
                            "StateTransitionedTimestamp"):
                    if key in old:
                        alarm[key] = old[key]  # type: ignore[literal-required]
            self.save_alarm(ctx.account_id, ctx.region, alarm)
            if params.get("Tags") and old is None:
                self.add_tags(ctx, arn, params["Tags"])
            change = "Create" if old is None else "Update"
            data: dict[str, Any] = {"version": "1.0", "type": change}
            data["createdAlarm" if old is None else "updatedAlarm"] = _history_shape(alarm)
            if old is not None:
                data["originalAlarm"] = _history_shape(old)
            add_history(self.store, ctx.account_id, ctx.region, name, kind, now, "ConfigurationUpdate",
                        f'Alarm "{name}" {"created" if old is None else "updated"}', data)
        if resource_type:  # AWS Config records metric alarms, not composite ones
            ctx.emit_resource_change(resource_type, arn, "created" if old is None else "updated",
                                     lambda: shown(alarm))

    def describe_alarms(self, ctx: RequestContext, params: dict) -> dict:
        alarms = self.all_alarms(ctx.account_id, ctx.region)
        names, prefix = params.get("AlarmNames"), params.get("AlarmNamePrefix")
        if names and prefix:
            raise combination("AlarmNamePrefix and AlarmNames cannot be specified together.")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        if children_of := params.get("ChildrenOfAlarmName"):
            parent = next((a for a in alarms if a["AlarmName"] == children_of and a["AlarmType"] == "CompositeAlarm"),
                          None)
            named = alarm_rule.alarms_named(alarm_rule.parse(parent["AlarmRule"])) if parent else set()
            alarms = [a for a in alarms if a["AlarmName"] in named]
            types = ["MetricAlarm", "CompositeAlarm"]
        if parents_of := params.get("ParentsOfAlarmName"):
            alarms = [a for a in alarms if a["AlarmType"] == "CompositeAlarm"
                      and parents_of in alarm_rule.alarms_named(alarm_rule.parse(a["AlarmRule"]))]
            types = ["CompositeAlarm"]
        state, action = params.get("StateValue"), params.get("ActionPrefix")
        chosen = [a for a in alarms if a["AlarmType"] in types
                  and (not names or a["AlarmName"] in names)
                  and (not prefix or a["AlarmName"].startswith(prefix))
                  and (state is None or a.get("StateValue") == state)
                  and (action is None or any(x.startswith(action) for k in ("OKActions", "AlarmActions",
                                                                             "InsufficientDataActions")
                                             for x in a.get(k) or []))]  # type: ignore[attr-defined]
        limit = params.get("MaxRecords") or PAGE
        token = params.get("NextToken")
        if token is not None and not token.isdigit():
            raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.")
        offset = int(token or 0)
        page = chosen[offset:offset + limit]
        out: dict = {"MetricAlarms": [shown(a) for a in page if a["AlarmType"] == "MetricAlarm"],
                     "CompositeAlarms": [shown(a) for a in page if a["AlarmType"] == "CompositeAlarm"],
                     "LogAlarms": [shown(a) for a in page if a["AlarmType"] == "LogAlarm"]}
        if offset + limit < len(chosen):
            out["NextToken"] = str(offset + limit)
        return out

    def describe_alarms_for_metric(self, ctx: RequestContext, params: dict) -> dict:
        dims = sorted(params.get("Dimensions") or [], key=lambda d: d["Name"])
        found = [a for a in self.all_alarms(ctx.account_id, ctx.region) if a["AlarmType"] == "MetricAlarm"
                 and a.get("MetricName") == params["MetricName"] and a.get("Namespace") == params["Namespace"]
                 and (params.get("Statistic") is None or a.get("Statistic") == params["Statistic"])
                 and (params.get("ExtendedStatistic") is None
                      or a.get("ExtendedStatistic") == params["ExtendedStatistic"])
                 and (params.get("Period") is None or a.get("Period") == params["Period"])
                 and (params.get("Unit") is None or a.get("Unit") == params["Unit"])
                 and sorted(a.get("Dimensions") or [], key=lambda d: d["Name"]) == dims]
        return {"MetricAlarms": [shown(a) for a in found]}

    def delete_alarms(self, ctx: RequestContext, params: dict) -> dict:
        names = params["AlarmNames"]
        existing = {a["AlarmName"]: a for a in self.all_alarms(ctx.account_id, ctx.region)}
        missing = [n for n in names if n not in existing]
        if missing:
            raise not_found(f"{len(missing)}/{len(names)} alarms not found: [{', '.join(missing)}]")
        for name in names:
            alarm = existing[name]
            self.store.delete(alarms_ns(ctx.account_id, ctx.region), name)
            self.drop_tags(ctx, alarm["AlarmArn"])
            if alarm["AlarmType"] == "MetricAlarm":
                ctx.emit_resource_change(RESOURCE_TYPE, alarm["AlarmArn"], "deleted", None)
        return {}

    def set_alarm_state(self, ctx: RequestContext, params: dict) -> dict:
        alarm = self.alarm(ctx, params["AlarmName"])
        if alarm is None:
            raise not_found(f"Alarm {params['AlarmName']} not found")
        data = None
        if params.get("StateReasonData"):
            try:
                data = json.loads(params["StateReasonData"])
            except ValueError:
                raise ServiceError("InvalidFormat", "StateReasonData must be valid JSON.") from None
        change_state(self.runtime, ctx.account_id, ctx.region, alarm, params["StateValue"], params["StateReason"],
                     data, self.clock.time())
        return {}

    def enable_alarm_actions(self, ctx: RequestContext, params: dict) -> dict:
        return self._actions_enabled(ctx, params["AlarmNames"], True)

    def disable_alarm_actions(self, ctx: RequestContext, params: dict) -> dict:
        return self._actions_enabled(ctx, params["AlarmNames"], False)

    def _actions_enabled(self, ctx: RequestContext, names: list[str], enabled: bool) -> dict:
        with self.store.transaction():
            for name in names:
                alarm = self.alarm(ctx, name)
                if alarm is not None:
                    alarm["ActionsEnabled"] = enabled
                    self.save_alarm(ctx.account_id, ctx.region, alarm)
        return {}


def _history_shape(alarm: Alarm) -> dict[str, Any]:
    return {k: v for k, v in alarm.items() if k not in ("SchemaVersion", "EvaluatedUntil", "StateReasonData",
                                                        "StateReason")}
