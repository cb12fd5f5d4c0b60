"""Compliance read from the rules' stored results: by rule, by resource, their details and summaries, and
deleting a rule's results."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.services.config.paging import window
from nimbus.services.config.rule_documents import (
    COMPLIANT,
    INSUFFICIENT_DATA,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    Evaluation,
    evaluations_ns,
)
from nimbus.services.config.rule_state import RuleState

CAP = 100  # AWS caps ComplianceContributorCount at 100


def _count(number: int) -> dict[str, Any]:
    return {"CappedCount": min(number, CAP), "CapExceeded": number > CAP}


def overall(compliances: list[str]) -> str:
    """One compliance of several results: non-compliant if one is, compliant if one is, else no data."""
    if NON_COMPLIANT in compliances:
        return NON_COMPLIANT
    return COMPLIANT if COMPLIANT in compliances else INSUFFICIENT_DATA


def _compliance(compliances: list[str]) -> dict[str, Any]:
    combined = overall(compliances)
    found: dict[str, Any] = {"ComplianceType": combined}
    if combined == NON_COMPLIANT:
        found["ComplianceContributorCount"] = _count(compliances.count(NON_COMPLIANT))
    return found


def evaluation_result(rule_name: str, evaluation: Evaluation) -> dict[str, Any]:
    result = {"EvaluationResultIdentifier": {
                  "EvaluationResultQualifier": {"ConfigRuleName": rule_name, "ResourceType": evaluation["ResourceType"],
                                                "ResourceId": evaluation["ResourceId"], "EvaluationMode": "DETECTIVE"},
                  "OrderingTimestamp": evaluation["OrderingTimestamp"]},
              "ComplianceType": evaluation["ComplianceType"], "ResultRecordedTime": evaluation["ResultRecordedTime"],
              "ConfigRuleInvokedTime": evaluation["ConfigRuleInvokedTime"]}
    if evaluation.get("Annotation"):
        result["Annotation"] = evaluation["Annotation"]
    return result


def _paged(answer_member: str, results: list, params: dict, default: int, key) -> dict[str, Any]:
    chunk, token = window(results, params, default, 100, key, ("Limit", "NextToken"))
    return {answer_member: chunk, **({"NextToken": token} if token else {})}


class ComplianceOps(RuleState):
    def _results(self, ctx: RequestContext, names: list[str] | None = None) -> list[tuple[str, Evaluation]]:
        """Every (rule name, result) of the account and region, after pending changes are recorded."""
        self.engine.flush()
        return [(rule["ConfigRuleName"], evaluation) for rule in self.selected_rules(ctx, names)
                for evaluation in self.evaluations(ctx, rule["ConfigRuleName"])]

    def describe_compliance_by_config_rule(self, ctx: RequestContext, params: dict) -> dict:
        wanted = set(params.get("ComplianceTypes") or [])
        results = self._results(ctx, params.get("ConfigRuleNames"))
        answers = []
        for rule in sorted(self.selected_rules(ctx, params.get("ConfigRuleNames")), key=lambda r: r["ConfigRuleName"]):
            compliance = _compliance([e["ComplianceType"] for n, e in results if n == rule["ConfigRuleName"]])
            if not wanted or compliance["ComplianceType"] in wanted:
                answers.append({"ConfigRuleName": rule["ConfigRuleName"], "Compliance": compliance})
        chunk, token = window(answers, params, 25, 25, lambda a: a["ConfigRuleName"], ("Limit", "NextToken"))
        return {"ComplianceByConfigRules": chunk, **({"NextToken": token} if token else {})}

    def describe_compliance_by_resource(self, ctx: RequestContext, params: dict) -> dict:
        wanted = set(params.get("ComplianceTypes") or [])
        by_resource: dict[tuple[str, str], list[str]] = {}
        for _, evaluation in self._results(ctx):
            resource = (evaluation["ResourceType"], evaluation["ResourceId"])
            if params.get("ResourceType") and resource[0] != params["ResourceType"]:
                continue
            if params.get("ResourceId") and resource[1] != params["ResourceId"]:
                continue
            by_resource.setdefault(resource, []).append(evaluation["ComplianceType"])
        answers = []
        for (resource_type, resource_id), compliances in sorted(by_resource.items()):
            compliance = _compliance([c for c in compliances if c != NOT_APPLICABLE])
            if not wanted or compliance["ComplianceType"] in wanted:
                answers.append({"ResourceType": resource_type, "ResourceId": resource_id, "Compliance": compliance})
        return _paged("ComplianceByResources", answers, params, 100,
                      lambda a: f"{a['ResourceType']}|{a['ResourceId']}")

    def get_compliance_details_by_config_rule(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        wanted = set(params.get("ComplianceTypes") or [])
        results = [evaluation_result(name, e) for n, e in self._results(ctx, [name])
                   if not wanted or e["ComplianceType"] in wanted]
        return _paged("EvaluationResults", results, params, 100, result_key)

    def get_compliance_details_by_resource(self, ctx: RequestContext, params: dict) -> dict:
        wanted = set(params.get("ComplianceTypes") or [])
        results = [evaluation_result(n, e) for n, e in self._results(ctx)
                   if e["ResourceType"] == params.get("ResourceType") and e["ResourceId"] == params.get("ResourceId")
                   and (not wanted or e["ComplianceType"] in wanted)]
        chunk, token = window(results, params, 100, 100, result_key, ("Limit", "NextToken"))
        return {"EvaluationResults": chunk, **({"NextToken": token} if token else {})}

    def get_compliance_summary_by_config_rule(self, ctx: RequestContext, params: dict) -> dict:
        results = self._results(ctx)
        combined = [overall([e["ComplianceType"] for n, e in results if n == rule["ConfigRuleName"]])
                   for rule in self.all_rules(ctx)]
        return {"ComplianceSummary": self._summary(combined)}

    def get_compliance_summary_by_resource_type(self, ctx: RequestContext, params: dict) -> dict:
        by_resource: dict[tuple[str, str], list[str]] = {}
        for _, evaluation in self._results(ctx):
            by_resource.setdefault((evaluation["ResourceType"], evaluation["ResourceId"]), []).append(
                evaluation["ComplianceType"])
        types = params.get("ResourceTypes") or [None]
        summaries = []
        for resource_type in types:
            combined = [overall(c) for (t, _), c in by_resource.items() if resource_type in (None, t)]
            summary: dict[str, Any] = {"ComplianceSummary": self._summary(combined)}
            if resource_type:
                summary["ResourceType"] = resource_type
            summaries.append(summary)
        return {"ComplianceSummariesByResourceType": summaries}

    def _summary(self, combined: list[str]) -> dict[str, Any]:
        return {"CompliantResourceCount": _count(combined.count(COMPLIANT)),
                "NonCompliantResourceCount": _count(combined.count(NON_COMPLIANT)),
                "ComplianceSummaryTimestamp": self.clock.time()}

    def delete_evaluation_results(self, ctx: RequestContext, params: dict) -> dict:
        rule = self.named_rule(ctx, params["ConfigRuleName"])
        self.store.delete_namespace(evaluations_ns(ctx.account_id, ctx.region, rule["ConfigRuleName"]))
        return {}


def result_key(result: dict) -> str:
    qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
    return f"{qualifier['ConfigRuleName']}|{qualifier['ResourceType']}|{qualifier['ResourceId']}"
