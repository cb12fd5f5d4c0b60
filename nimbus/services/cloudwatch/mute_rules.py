"""Alarm mute rules: PutAlarmMuteRule, GetAlarmMuteRule, ListAlarmMuteRules, DeleteAlarmMuteRule. A muted
alarm (mute_schedule.muted, which transitions.py asks before running actions) still changes state and writes
its history; only its actions are held back, while one of its rules' windows is open on the virtual clock.
Deleting a rule that mutes an alarm in ALARM runs that alarm's actions, as AWS does."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import combination, mute_rules_ns
from nimbus.services.cloudwatch.documents import MUTE_RULE, MuteRule
from nimbus.services.cloudwatch.mute_schedule import MuteSchedule, muted, rule_schedule, status
from nimbus.services.cloudwatch.tagging import TaggingOps
from nimbus.services.cloudwatch.transitions import run_actions

PAGE = 100
MAX_RULES = 1000  # per account and Region, refused past it with LimitExceeded


class MuteRuleOps(TaggingOps):
    def _mute_rule(self, ctx: RequestContext, name: str) -> MuteRule:
        rule = MUTE_RULE.get(self.store, mute_rules_ns(ctx.account_id, ctx.region), name)
        if rule is None:
            raise ServiceError("ResourceNotFoundException", f"Alarm mute rule {name} does not exist.",
                               ResourceType="AlarmMuteRule", ResourceId=name)
        return rule

    def put_alarm_mute_rule(self, ctx: RequestContext, params: dict) -> dict:
        schedule = params["Rule"]["Schedule"]
        MuteSchedule(schedule["Expression"], schedule["Duration"], schedule.get("Timezone"))  # checks it
        start, expire = epoch(params.get("StartDate")), epoch(params.get("ExpireDate"))
        if start is not None and expire is not None and expire <= start:
            raise combination("ExpireDate must be after StartDate.")
        ns = mute_rules_ns(ctx.account_id, ctx.region)
        name = params["Name"]
        existed = MUTE_RULE.get(self.store, ns, name) is not None
        if not existed and len(MUTE_RULE.scan(self.store, ns, limit=MAX_RULES)) >= MAX_RULES:
            raise ServiceError("LimitExceeded", f"The maximum of {MAX_RULES} alarm mute rules is reached.")
        rule = MuteRule(Name=name, AlarmMuteRuleArn=ctx.arn(f"alarm-mute-rule:{name}"), Rule=params["Rule"],
                        LastUpdatedTimestamp=self.clock.time())
        for key in ("Description", "MuteTargets"):
            if params.get(key) is not None:
                rule[key] = params[key]  # type: ignore[literal-required]
        if start is not None:
            rule["StartDate"] = start
        if expire is not None:
            rule["ExpireDate"] = expire
        MUTE_RULE.put(self.store, ns, name, rule)
        if params.get("Tags") and not existed:
            self.add_tags(ctx, rule["AlarmMuteRuleArn"], params["Tags"])
        return {}

    def _shown(self, rule: MuteRule, summary: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"AlarmMuteRuleArn": rule["AlarmMuteRuleArn"],
                               "Status": status(rule, self.clock.time()), "MuteType": rule_schedule(rule).mute_type,
                               "LastUpdatedTimestamp": timestamp(rule["LastUpdatedTimestamp"])}
        if rule.get("ExpireDate") is not None:
            out["ExpireDate"] = timestamp(rule["ExpireDate"])
        if not summary:
            out.update({k: rule[k] for k in ("Name", "Description", "Rule", "MuteTargets") if k in rule})  # type: ignore[literal-required]
            if rule.get("StartDate") is not None:
                out["StartDate"] = timestamp(rule["StartDate"])
        return out

    def get_alarm_mute_rule(self, ctx: RequestContext, params: dict) -> dict:
        return self._shown(self._mute_rule(ctx, params["AlarmMuteRuleName"]), summary=False)

    def list_alarm_mute_rules(self, ctx: RequestContext, params: dict) -> dict:
        alarm, statuses = params.get("AlarmName"), params.get("Statuses")
        now = self.clock.time()
        chosen = [rule for _, rule in MUTE_RULE.scan(self.store, mute_rules_ns(ctx.account_id, ctx.region))
                  if (alarm is None or alarm in (rule.get("MuteTargets") or {}).get("AlarmNames", []))
                  and (not statuses or status(rule, now) in statuses)]
        token = params.get("NextToken")
        if token is not None and not token.isdigit():
            raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.")
        offset, limit = int(token or 0), params.get("MaxRecords") or PAGE
        out: dict = {"AlarmMuteRuleSummaries": [self._shown(r, summary=True) for r in chosen[offset:offset + limit]]}
        if offset + limit < len(chosen):
            out["NextToken"] = str(offset + limit)
        return out

    def delete_alarm_mute_rule(self, ctx: RequestContext, params: dict) -> dict:
        # Idempotent, as AWS's: deleting a rule that does not exist succeeds.
        name, now = params["AlarmMuteRuleName"], self.clock.time()
        ns = mute_rules_ns(ctx.account_id, ctx.region)
        rule = MUTE_RULE.get(self.store, ns, name)
        held = [a for a in (rule or {}).get("MuteTargets", {}).get("AlarmNames", [])
                if muted(self.store, ctx.account_id, ctx.region, a, now) == name]
        self.store.delete(ns, name)
        self.drop_tags(ctx, ctx.arn(f"alarm-mute-rule:{name}"))
        for alarm_name in held:  # unmuted at once: an alarm in ALARM runs its actions, as AWS's do
            alarm = self.alarm(ctx, alarm_name)
            if alarm is not None and alarm.get("StateValue") == "ALARM":
                run_actions(self.runtime, ctx.account_id, ctx.region, alarm, alarm.get("PreviousStateValue", "OK"),
                            now)
        return {}
