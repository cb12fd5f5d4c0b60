"""Remediation: configurations, executions and their status, and exceptions (the running is in
``remediator.py``, the documents that run in ``automation.py``)."""
from __future__ import annotations

import uuid
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.automation import document
from nimbus.services.config.paging import window
from nimbus.services.config.remediator import DEFAULT_ATTEMPTS, DEFAULT_RETRY_SECONDS
from nimbus.services.config.rule_documents import (
    EXECUTION,
    REMEDIATION,
    REMEDIATION_EXCEPTION,
    Remediation,
    RemediationException,
    evaluation_key,
    exceptions_ns,
    executions_ns,
    remediations_ns,
)
from nimbus.services.config.rule_state import RuleState

_CONFIG_MEMBERS = ("ConfigRuleName", "TargetType", "TargetId", "TargetVersion", "Parameters", "ResourceType",
                   "Automatic", "ExecutionControls", "MaximumAutomaticAttempts", "RetryAttemptSeconds")


def _no_remediation(rule: str) -> ServiceError:
    return ServiceError("NoSuchRemediationConfigurationException",
                        f"No RemediationConfiguration for rule {rule} exists.", status=400)


def _keys(params: dict, member: str = "ResourceKeys") -> list[tuple[str, str]]:
    keys = params.get(member) or []
    return [(k.get("resourceType") or k.get("ResourceType"), k.get("resourceId") or k.get("ResourceId")) for k in keys]


class RemediationOps(RuleState):
    def put_remediation_configurations(self, ctx: RequestContext, params: dict) -> dict:
        for wanted in params["RemediationConfigurations"]:
            self.named_rule(ctx, wanted["ConfigRuleName"])
            if wanted.get("TargetType") != "SSM_DOCUMENT":
                raise ServiceError("InvalidParameterValueException", "The TargetType must be SSM_DOCUMENT.", status=400)
            document(wanted["TargetId"])
            if not ((wanted.get("Parameters") or {}).get("AutomationAssumeRole") or {}).get("StaticValue"):
                raise ServiceError("InvalidParameterValueException",
                                   "The AutomationAssumeRole parameter (a StaticValue) is required: nimbus runs a "
                                   "remediation only as the role it names.", status=400)
            for name, value in (wanted.get("Parameters") or {}).items():
                resource = (value.get("ResourceValue") or {}).get("Value")
                if resource is not None and resource != "RESOURCE_ID":
                    raise ServiceError("InvalidParameterValueException",
                                       f"The ResourceValue of parameter {name} must be RESOURCE_ID.", status=400)
        for wanted in params["RemediationConfigurations"]:
            name = wanted["ConfigRuleName"]
            existing = REMEDIATION.get(self.store, remediations_ns(ctx.account_id, ctx.region), name)
            remediation = Remediation(ConfigRuleName=name, TargetType="SSM_DOCUMENT", TargetId=wanted["TargetId"],
                                      Arn=existing["Arn"] if existing else
                                      f"arn:aws:config:{ctx.region}:{ctx.account_id}:remediation-configuration/"
                                      f"{name}/{uuid.uuid4()}")
            for member in _CONFIG_MEMBERS[3:]:
                if member in wanted:
                    remediation[member] = wanted[member]  # type: ignore[literal-required]
            if remediation.get("Automatic"):
                remediation.setdefault("MaximumAutomaticAttempts", DEFAULT_ATTEMPTS)
                remediation.setdefault("RetryAttemptSeconds", DEFAULT_RETRY_SECONDS)
            REMEDIATION.put(self.store, remediations_ns(ctx.account_id, ctx.region), name, remediation)
        return {"FailedBatches": []}

    def describe_remediation_configurations(self, ctx: RequestContext, params: dict) -> dict:
        found = [REMEDIATION.get(self.store, remediations_ns(ctx.account_id, ctx.region), name)
                 for name in params["ConfigRuleNames"]]
        return {"RemediationConfigurations": [r for r in found if r is not None]}

    def delete_remediation_configuration(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        remediation = REMEDIATION.get(self.store, remediations_ns(ctx.account_id, ctx.region), name)
        if remediation is None or (params.get("ResourceType") and remediation.get("ResourceType")
                                   and params["ResourceType"] != remediation["ResourceType"]):
            raise _no_remediation(name)
        self.store.delete(remediations_ns(ctx.account_id, ctx.region), name)
        self.store.delete_namespace(executions_ns(ctx.account_id, ctx.region, name))
        return {}

    def start_remediation_execution(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        remediation = REMEDIATION.get(self.store, remediations_ns(ctx.account_id, ctx.region), name)
        if remediation is None:
            raise _no_remediation(name)
        for resource_type, resource_id in _keys(params):
            self.rule_engine.remediator.run(ctx.account_id, ctx.region, remediation, resource_type, resource_id)
        return {"FailedItems": []}

    def describe_remediation_execution_status(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        self.named_rule(ctx, name)
        wanted = {evaluation_key(*k) for k in _keys(params)}
        executions = [(key, e) for key, e in EXECUTION.scan(self.store, executions_ns(ctx.account_id, ctx.region, name))
                      if not wanted or key in wanted]
        chunk, token = window(executions, params, 100, 100, lambda pair: pair[0], ("Limit", "NextToken"))
        statuses = [{"ResourceKey": {"resourceType": e["ResourceType"], "resourceId": e["ResourceId"]},
                     "State": e["State"], "StepDetails": e.get("StepDetails", []), "InvocationTime": e["InvocationTime"],
                     "LastUpdatedTime": e["LastUpdatedTime"]} for _, e in chunk]
        return {"RemediationExecutionStatuses": statuses, **({"NextToken": token} if token else {})}

    def put_remediation_exceptions(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        self.named_rule(ctx, name)
        for resource_type, resource_id in _keys(params):
            found = RemediationException(ConfigRuleName=name, ResourceType=resource_type, ResourceId=resource_id)
            if params.get("Message"):
                found["Message"] = params["Message"]
            if params.get("ExpirationTime"):
                found["ExpirationTime"] = epoch(params["ExpirationTime"]) or 0.0
            REMEDIATION_EXCEPTION.put(self.store, exceptions_ns(ctx.account_id, ctx.region, name),
                                      evaluation_key(resource_type, resource_id), found)
        return {"FailedBatches": []}

    def describe_remediation_exceptions(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        wanted = {evaluation_key(*k) for k in _keys(params)}
        found = [(key, e) for key, e in REMEDIATION_EXCEPTION.scan(
            self.store, exceptions_ns(ctx.account_id, ctx.region, name)) if not wanted or key in wanted]
        chunk, token = window(found, params, 25, 100, lambda pair: pair[0], ("Limit", "NextToken"))
        answers: list[dict[str, Any]] = [dict(e) for _, e in chunk]
        return {"RemediationExceptions": answers, **({"NextToken": token} if token else {})}

    def delete_remediation_exceptions(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConfigRuleName"]
        failed = []
        for resource_type, resource_id in _keys(params):
            key = evaluation_key(resource_type, resource_id)
            if REMEDIATION_EXCEPTION.get(self.store, exceptions_ns(ctx.account_id, ctx.region, name), key) is None:
                failed.append({"ResourceType": resource_type, "ResourceId": resource_id})
            else:
                self.store.delete(exceptions_ns(ctx.account_id, ctx.region, name), key)
        return {"FailedBatches": [{"FailureMessage": "No remediation exception exists for these resources.",
                                   "FailedItems": failed}] if failed else []}
