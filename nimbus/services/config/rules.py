"""Config rules: put, describe, delete, their evaluation status, evaluation on demand, and the results
custom and process-check rules are given (PutEvaluations, PutExternalEvaluation)."""
from __future__ import annotations

import json
import secrets
import string

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.guard_rules import CUSTOM_POLICY, checked_guard_source, described_source
from nimbus.services.config.managed import CHANGE, PERIODIC, managed_rule, parameters_of
from nimbus.services.config.paging import window
from nimbus.services.config.rule_documents import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    ConfigRule,
    Evaluation,
    evaluations_ns,
    rules_ns,
)
from nimbus.services.config.rule_engine import FREQUENCY_SECONDS
from nimbus.services.config.rule_state import RuleState

MAX_RULES = 1000  # AWS's default quota of rules per account and region
_ID_CHARS = string.ascii_lowercase + string.digits
_STATUS_MEMBERS = ("LastSuccessfulInvocationTime", "LastFailedInvocationTime", "LastSuccessfulEvaluationTime",
                   "LastFailedEvaluationTime", "FirstActivatedTime", "LastDeactivatedTime", "LastErrorCode",
                   "LastErrorMessage", "FirstEvaluationStarted")
_RULE_MEMBERS = ("ConfigRuleName", "ConfigRuleArn", "ConfigRuleId", "Description", "Scope", "Source",
                 "InputParameters", "MaximumExecutionFrequency", "ConfigRuleState", "CreatedBy", "EvaluationModes")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400)


def rule_output(rule: ConfigRule) -> dict:
    output = {k: rule[k] for k in _RULE_MEMBERS if k in rule}  # type: ignore[literal-required]
    if rule["Source"].get("Owner") == CUSTOM_POLICY:
        output["Source"] = described_source(rule["Source"])
    return output


def _checked_parameters(input_parameters: str | None) -> None:
    """A custom policy's parameters are free-form, but JSON text of an object, as for every rule."""
    try:
        given = json.loads(input_parameters) if input_parameters else {}
    except ValueError:
        given = None
    if not isinstance(given, dict):
        raise _invalid("Invalid json string for input parameters.")


def _checked_source(wanted: dict) -> dict:
    """The rule's Source as nimbus can run it, or AWS's refusal (custom rules need Lambda or Guard)."""
    source = wanted.get("Source") or {}
    owner = source.get("Owner")
    if owner == "CUSTOM_LAMBDA":
        raise ServiceError("InsufficientPermissionsException",
                           f"The AWS Lambda function {source.get('SourceIdentifier')} cannot be invoked. Check the "
                           "specified function ARN, and check the function's permissions. (nimbus serves no Lambda.)",
                           status=400)
    if owner == CUSTOM_POLICY:
        _checked_parameters(wanted.get("InputParameters"))
        return checked_guard_source(source)
    if owner != "AWS":
        raise _invalid(f"The owner {owner} is invalid.")
    if source.get("SourceDetails"):
        raise _invalid("SourceDetails should be null/empty if the owner is AWS. "
                       "SourceDetails should be provided if the owner is CUSTOM_LAMBDA.")
    managed = managed_rule(source.get("SourceIdentifier", ""))
    parameters_of(managed, wanted.get("InputParameters"))
    frequency = wanted.get("MaximumExecutionFrequency")
    if frequency and PERIODIC not in managed.triggers and CHANGE in managed.triggers:
        raise _invalid("A maximum execution frequency is not allowed for rules triggered by configuration changes.")
    if frequency and frequency not in FREQUENCY_SECONDS:
        raise _invalid(f"The maximum execution frequency {frequency} is invalid.")
    return {"Owner": "AWS", "SourceIdentifier": source["SourceIdentifier"]}


def _new_id() -> str:
    return "config-rule-" + "".join(secrets.choice(_ID_CHARS) for _ in range(6))


class RuleOps(RuleState):
    def put_config_rule(self, ctx: RequestContext, params: dict) -> dict:
        self.put_rule(ctx, params["ConfigRule"])
        return {}

    def put_rule(self, ctx: RequestContext, wanted: dict, created_by: str | None = None) -> ConfigRule:
        """Create or update a rule and evaluate it over what is in its scope now; the rule."""
        source = _checked_source(wanted)
        with self.store.transaction():
            existing = self._existing(ctx, wanted)
            name = wanted.get("ConfigRuleName") or (existing or {}).get("ConfigRuleName")
            if not name:
                raise _invalid("ConfigRuleName is required to create a rule.")
            if existing is None and len(self.all_rules(ctx)) >= MAX_RULES:
                raise ServiceError("MaxNumberOfConfigRulesExceededException",
                                   f"Failed to put rule '{name}' because the maximum number of config rules: "
                                   f"{MAX_RULES} is reached.", status=400)
            if existing is not None and existing.get("ConfigRuleState") != "ACTIVE":
                raise ServiceError("ResourceInUseException",
                                   f"The rule {name} is currently being deleted.", status=400)
            rule_id = existing["ConfigRuleId"] if existing else _new_id()
            now = self.clock.time()
            rule = ConfigRule(ConfigRuleName=name, ConfigRuleId=rule_id, Source=source, ConfigRuleState="ACTIVE",
                              ConfigRuleArn=existing["ConfigRuleArn"] if existing else
                              f"arn:aws:config:{ctx.region}:{ctx.account_id}:config-rule/{rule_id}",
                              EvaluationModes=[{"Mode": "DETECTIVE"}],
                              status=(existing or {}).get("status") or {"FirstActivatedTime": now})
            for member in ("Description", "Scope", "InputParameters", "MaximumExecutionFrequency"):
                if wanted.get(member):
                    rule[member] = wanted[member]  # type: ignore[literal-required]
            if existing and existing.get("CreatedBy"):
                rule["CreatedBy"] = existing["CreatedBy"]
            elif created_by:
                rule["CreatedBy"] = created_by
            self.save_rule(ctx, rule)
        self.engine.flush()
        self.rule_engine.evaluate_rule(ctx.account_id, ctx.region, name, periodic=True)
        return rule

    def _existing(self, ctx: RequestContext, wanted: dict) -> ConfigRule | None:
        for rule in self.all_rules(ctx):
            if wanted.get("ConfigRuleName") == rule["ConfigRuleName"] or wanted.get("ConfigRuleArn") == rule[
                    "ConfigRuleArn"] or wanted.get("ConfigRuleId") == rule["ConfigRuleId"]:
                return rule
        for member in ("ConfigRuleArn", "ConfigRuleId"):
            if wanted.get(member) and not wanted.get("ConfigRuleName"):
                raise ServiceError("NoSuchConfigRuleException",
                                   f"The ConfigRule '{wanted[member]}' provided in the request is invalid. Please "
                                   "check the configRule name.", status=400)
        return None

    def describe_config_rules(self, ctx: RequestContext, params: dict) -> dict:
        rules = sorted(self.selected_rules(ctx, params.get("ConfigRuleNames")), key=lambda r: r["ConfigRuleName"])
        chunk, token = window(rules, params, 25, 25, lambda r: r["ConfigRuleName"], ("Limit", "NextToken"))
        return {"ConfigRules": [rule_output(r) for r in chunk], **({"NextToken": token} if token else {})}

    def get_custom_rule_policy(self, ctx: RequestContext, params: dict) -> dict:
        rule = self.named_rule(ctx, params["ConfigRuleName"])
        return {"PolicyText": (rule["Source"].get("CustomPolicyDetails") or {}).get("PolicyText", "")}

    def describe_config_rule_evaluation_status(self, ctx: RequestContext, params: dict) -> dict:
        rules = sorted(self.selected_rules(ctx, params.get("ConfigRuleNames")), key=lambda r: r["ConfigRuleName"])
        chunk, token = window(rules, params, 50, 50, lambda r: r["ConfigRuleName"], ("Limit", "NextToken"))
        statuses = []
        for rule in chunk:
            status = {k: rule[k] for k in ("ConfigRuleName", "ConfigRuleArn", "ConfigRuleId")}  # type: ignore
            status.update({k: v for k, v in (rule.get("status") or {}).items() if k in _STATUS_MEMBERS})
            statuses.append(status)
        return {"ConfigRulesEvaluationStatus": statuses, **({"NextToken": token} if token else {})}

    def delete_config_rule(self, ctx: RequestContext, params: dict) -> dict:
        rule = self.named_rule(ctx, params["ConfigRuleName"])
        if rule.get("CreatedBy") == "config-conforms.amazonaws.com":
            raise ServiceError("ResourceInUseException",
                               f"The rule {rule['ConfigRuleName']} belongs to a conformance pack: delete the pack.",
                               status=400)
        self.remove_rule(ctx, rule["ConfigRuleName"])
        return {}

    def remove_rule(self, ctx: RequestContext, name: str) -> None:
        with self.store.transaction():
            self.store.delete_namespace(evaluations_ns(ctx.account_id, ctx.region, name))
            self.store.delete(rules_ns(ctx.account_id, ctx.region), name)

    def start_config_rules_evaluation(self, ctx: RequestContext, params: dict) -> dict:
        names = params.get("ConfigRuleNames") or []
        if len(names) > 25:
            raise ServiceError("LimitExceededException",
                               "The number of rules in the request exceeds the limit of 25.", status=400)
        rules = self.selected_rules(ctx, names)
        self.engine.flush()
        for rule in rules:
            self.rule_engine.evaluate_rule(ctx.account_id, ctx.region, rule["ConfigRuleName"], periodic=True)
        return {}

    def put_evaluations(self, ctx: RequestContext, params: dict) -> dict:
        # Result tokens are given to a custom rule's Lambda function; nimbus serves no Lambda, so it has
        # issued none, and only TestMode (which checks the evaluations and stores nothing) can succeed.
        if not params.get("TestMode"):
            raise ServiceError("InvalidResultTokenException", "The resultToken provided is invalid", status=400)
        for evaluation in params.get("Evaluations") or []:
            _valid_compliance(evaluation.get("ComplianceType"), "ComplianceType")
        return {"FailedEvaluations": []}

    def put_external_evaluation(self, ctx: RequestContext, params: dict) -> dict:
        rule = self.named_rule(ctx, params["ConfigRuleName"])
        if rule["Source"].get("SourceIdentifier") != "AWS_CONFIG_PROCESS_CHECK":
            raise _invalid("External evaluations can only be put for a rule with the AWS_CONFIG_PROCESS_CHECK "
                           "source identifier.")
        given = params["ExternalEvaluation"]
        _valid_compliance(given["ComplianceType"], "externalEvaluation.complianceType")
        now = self.clock.time()
        evaluation = Evaluation(ResourceType=given["ComplianceResourceType"], ResourceId=given["ComplianceResourceId"],
                                ComplianceType=given["ComplianceType"], ResultRecordedTime=now,
                                ConfigRuleInvokedTime=now,
                                OrderingTimestamp=given["OrderingTimestamp"].timestamp()
                                if hasattr(given["OrderingTimestamp"], "timestamp") else float(given["OrderingTimestamp"]))
        if given.get("Annotation"):
            evaluation["Annotation"] = given["Annotation"]
        self.rule_engine.put_evaluation(ctx.account_id, ctx.region, rule, evaluation)
        return {}


def _valid_compliance(value: str | None, member: str) -> None:
    if value not in (COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE):
        raise _invalid(f"The {member} {value} is invalid: evaluations may only be COMPLIANT, NON_COMPLIANT or "
                       "NOT_APPLICABLE.")
