"""Alarm mute rules: PutAlarmMuteRule, GetAlarmMuteRule, ListAlarmMuteRules, DeleteAlarmMuteRule, and
``muted`` (transitions.py asks it before running an alarm's actions). A muted alarm still changes state and
writes its history; only its actions are held back, while one of its rules' windows is open on the virtual
clock."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import combination, mute_rules_ns
from nimbus.services.cloudwatch.documents import MUTE_RULE, MuteRule
from nimbus.services.cloudwatch.mute_schedule import MuteSchedule
from nimbus.services.cloudwatch.tagging import TaggingOps
from nimbus.store.base import Store

PAGE = 100
MAX_RULES = 1000  # per account and Region, refused past it with LimitExceeded


def _schedule(rule: MuteRule) -> MuteSchedule:
    schedule = rule["Rule"]["Schedule"]
    return MuteSchedule(schedule["Expression"], schedule["Duration"], schedule.get("Timezone"))


def status(rule: MuteRule, now: float) -> str:
    """SCHEDULED before its StartDate, EXPIRED after its ExpireDate (or a one-time window's end), else ACTIVE."""
    if rule.get("ExpireDate") is not None and now >= rule["ExpireDate"]:
        return "EXPIRED"
    if _schedule(rule).ended_for_good(now):
        return "EXPIRED"
    if rule.get("StartDate") is not None and now < rule["StartDate"]:
        return "SCHEDULED"
    return "ACTIVE"


def muted(store: Store, account: str, region: str, alarm_name: str, now: float) -> str | None:
    """The name of a mute rule holding back ``alarm_name``'s actions at ``now``, if one is."""
    for name, rule in MUTE_RULE.scan(store, mute_rules_ns(account, region)):
        if alarm_name in (rule.get("MuteTargets") or {}).get("AlarmNames", []) and status(rule, now) == "ACTIVE" \
                and _schedule(rule).window_at(now) is not None:
            return name
    return None


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
                               "Status": status(rule, self.clock.time()), "MuteType": _schedule(rule).mute_type,
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
        name = params["AlarmMuteRuleName"]
        self.store.delete(mute_rules_ns(ctx.account_id, ctx.region), name)
        self.drop_tags(ctx, ctx.arn(f"alarm-mute-rule:{name}"))
        return {}
