"""Contributor Insights rules, stored: PutInsightRule (the definition checked as a JSON rule of the
CloudWatchLogRule schema), DescribeInsightRules, Enable/Disable/DeleteInsightRules with per-rule failures,
GetInsightRuleReport (insight_report.py reads the log events), and managed rules (PutManagedInsightRules,
ListManagedInsightRules)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import insight_rules_ns, invalid, managed_rules_ns
from nimbus.services.cloudwatch.documents import INSIGHT_RULE, InsightRule
from nimbus.services.cloudwatch.insight_report import report
from nimbus.services.cloudwatch.tagging import TaggingOps

PAGE = 100
MANAGED_TEMPLATES = ("DynamoDBContributorInsights-PKThrottle", "DynamoDBContributorInsights-PKTraffic",
                     "VpcEndpointService-BytesByEndpointId-v1", "VpcEndpointService-NewConnectionsByEndpointId-v1")


def _check_definition(definition: str) -> None:
    try:
        rule = read_json(definition)
    except ValueError:
        raise invalid("The rule definition is not valid JSON.") from None
    if not isinstance(rule, dict):
        raise invalid("The rule definition must be a JSON object.")
    schema = rule.get("Schema") or {}
    if schema.get("Name") != "CloudWatchLogRule" or schema.get("Version") != 1:
        raise invalid('The rule Schema must be {"Name": "CloudWatchLogRule", "Version": 1}.')
    if not rule.get("LogGroupNames") and not rule.get("LogGroupARNs"):
        raise invalid("The rule must name LogGroupNames.")
    contribution = rule.get("Contribution") or {}
    if not contribution.get("Keys"):
        raise invalid("The rule Contribution must have Keys.")
    if rule.get("AggregateOn") not in ("Count", "Sum"):
        raise invalid("AggregateOn must be Count or Sum.")


class InsightRuleOps(TaggingOps):
    def put_insight_rule(self, ctx: RequestContext, params: dict) -> dict:
        _check_definition(params["RuleDefinition"])
        name = params["RuleName"]
        rule = InsightRule(Name=name, State=params.get("RuleState") or "ENABLED",
                           Schema="CloudWatchLogRule/1", Definition=params["RuleDefinition"], ManagedRule=False,
                           ApplyOnTransformedLogs=params.get("ApplyOnTransformedLogs", False))
        ns = insight_rules_ns(ctx.account_id, ctx.region)
        existed = INSIGHT_RULE.get(self.store, ns, name) is not None
        INSIGHT_RULE.put(self.store, ns, name, rule)
        if params.get("Tags") and not existed:
            self.add_tags(ctx, ctx.arn(f"insight-rule/{name}"), params["Tags"])
        return {}

    def describe_insight_rules(self, ctx: RequestContext, params: dict) -> dict:
        limit = params.get("MaxResults") or PAGE
        found = INSIGHT_RULE.scan(self.store, insight_rules_ns(ctx.account_id, ctx.region),
                                  start_after=params.get("NextToken"), limit=limit + 1)
        out: dict = {"InsightRules": [
            {k: v for k, v in rule.items() if k in ("Name", "State", "Schema", "Definition", "ManagedRule",
                                                    "ApplyOnTransformedLogs")} for _, rule in found[:limit]]}
        if len(found) > limit:
            out["NextToken"] = found[limit - 1][0]
        return out

    def _each_rule(self, ctx: RequestContext, names: list[str], change) -> dict:
        ns = insight_rules_ns(ctx.account_id, ctx.region)
        failures = []
        for name in names:
            rule = INSIGHT_RULE.get(self.store, ns, name)
            if rule is None:
                failures.append({"FailureResource": name, "ExceptionType": "ResourceNotFoundException",
                                 "FailureCode": "404", "FailureDescription": f"Rule {name} does not exist"})
            else:
                change(ns, name, rule)
        return {"Failures": failures}

    def delete_insight_rules(self, ctx: RequestContext, params: dict) -> dict:
        def delete(ns, name, _rule):
            self.store.delete(ns, name)
            self.drop_tags(ctx, ctx.arn(f"insight-rule/{name}"))
        return self._each_rule(ctx, params["RuleNames"], delete)

    def enable_insight_rules(self, ctx: RequestContext, params: dict) -> dict:
        return self._each_rule(ctx, params["RuleNames"], lambda ns, name, rule: INSIGHT_RULE.put(
            self.store, ns, name, {**rule, "State": "ENABLED"}))

    def disable_insight_rules(self, ctx: RequestContext, params: dict) -> dict:
        return self._each_rule(ctx, params["RuleNames"], lambda ns, name, rule: INSIGHT_RULE.put(
            self.store, ns, name, {**rule, "State": "DISABLED"}))

    def get_insight_rule_report(self, ctx: RequestContext, params: dict) -> dict:
        rule = INSIGHT_RULE.get(self.store, insight_rules_ns(ctx.account_id, ctx.region), params["RuleName"])
        if rule is None:
            raise ServiceError("ResourceNotFoundException", f"Rule {params['RuleName']} does not exist",
                               ResourceType="InsightRule", ResourceId=params["RuleName"])
        if rule["State"] != "ENABLED":  # a disabled rule analyses nothing
            keys = (read_json(rule["Definition"]).get("Contribution") or {}).get("Keys") or []
            return {"KeyLabels": keys, "AggregationStatistic": "Sum", "AggregateValue": 0.0,
                    "ApproximateUniqueCount": 0, "Contributors": [], "MetricDatapoints": []}
        return report(ctx, rule["Definition"], params)

    def put_managed_insight_rules(self, ctx: RequestContext, params: dict) -> dict:
        failures = []
        for rule in params["ManagedRules"]:
            if rule["TemplateName"] not in MANAGED_TEMPLATES:
                failures.append({"FailureResource": rule["ResourceARN"], "ExceptionType": "InvalidParameterValue",
                                 "FailureCode": "400",
                                 "FailureDescription": f"Unknown template {rule['TemplateName']}"})
                continue
            key = f"{rule['ResourceARN']}\n{rule['TemplateName']}"
            self.store.put(managed_rules_ns(ctx.account_id, ctx.region), key,
                           {"TemplateName": rule["TemplateName"], "ResourceARN": rule["ResourceARN"],
                            "State": "ENABLED"})
        return {"Failures": failures}

    def list_managed_insight_rules(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["ResourceARN"]
        found = self.store.scan(managed_rules_ns(ctx.account_id, ctx.region), f"{arn}\n")
        return {"ManagedRules": [{"TemplateName": r["TemplateName"], "ResourceARN": r["ResourceARN"],
                                  "RuleState": {"RuleName": f"{r['TemplateName']}-{abs(hash(arn)) % 10**8}",
                                                "State": r["State"]}} for _, r in found]}
