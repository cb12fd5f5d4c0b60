"""Custom policy rules (Owner ``CUSTOM_POLICY``): a Guard 2.x policy evaluated by CloudFormation Guard's own
engine (the ``cfn-guard-rs`` binding) against each configuration item in the rule's scope, on the triggers its
``SourceDetails`` name. As in AWS, a Guard rule that fails makes the resource NON_COMPLIANT, one whose every
rule is skipped (its ``when`` conditions do not hold) NOT_APPLICABLE, and one that passes COMPLIANT.

The item Guard sees is the configuration item as AWS hands it to rules: each supplementary value as an
object, not the JSON text the history APIs answer.
"""
from __future__ import annotations

import json
from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.config.described import SUPPORTED
from nimbus.services.config.managed import CHANGE, PERIODIC, Inputs, ManagedRule, Verdict, supplementary
from nimbus.services.config.rule_documents import COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, ConfigRule

CUSTOM_POLICY = "CUSTOM_POLICY"
_TRIGGERS = {"ConfigurationItemChangeNotification": CHANGE, "OversizedConfigurationItemChangeNotification": CHANGE,
             "ScheduledNotification": PERIODIC}


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400)


def checked_guard_source(source: dict) -> dict:
    """The Source of a custom policy rule as stored, or AWS's refusal."""
    details = source.get("CustomPolicyDetails")
    if not details:
        raise _invalid("CustomPolicyDetails should be provided if the owner is CUSTOM_POLICY.")
    if source.get("SourceIdentifier"):
        raise _invalid("SourceIdentifier should be null/empty if the owner is CUSTOM_POLICY.")
    triggers = source.get("SourceDetails") or []
    if not triggers:
        raise _invalid("SourceDetails should be provided if the owner is CUSTOM_POLICY.")
    for trigger in triggers:
        if trigger.get("MessageType") not in _TRIGGERS:
            raise _invalid(f"The message type {trigger.get('MessageType')} is not supported for a rule with owner "
                           "CUSTOM_POLICY.")
    guard, errors = _guard()
    try:
        guard.run_checks({}, details["PolicyText"])
    except errors.ParseError as error:
        raise _invalid(f"The policy text of the rule could not be parsed by Guard: {error}") from None
    except (errors.MissingValueError, errors.UnknownError):
        pass  # it parses: an empty item simply lacks what the rules read
    return {"Owner": CUSTOM_POLICY, "SourceDetails": triggers,
            "CustomPolicyDetails": {"PolicyRuntime": details["PolicyRuntime"], "PolicyText": details["PolicyText"],
                                    "EnableDebugLogDelivery": bool(details.get("EnableDebugLogDelivery", False))}}


def _guard():
    """cfn-guard and its errors, loaded with the first custom policy rule: 8 MiB a server without one
    need not hold from start-up."""
    import cfn_guard_rs
    import cfn_guard_rs.errors
    return cfn_guard_rs, cfn_guard_rs.errors


def described_source(source: dict) -> dict:
    """What DescribeConfigRules shows of a custom policy: not its text, which GetCustomRulePolicy answers."""
    details = {k: v for k, v in source["CustomPolicyDetails"].items() if k != "PolicyText"}
    return {**source, "CustomPolicyDetails": details}


def _as_rules_see_it(item: dict[str, Any]) -> dict[str, Any]:
    supplements = item.get("supplementaryConfiguration") or {}
    return {**item, "supplementaryConfiguration": {name: supplementary(item, name) for name in supplements}}


def _first_failure(report: Any) -> str:
    for clause in report.not_compliant:
        rule = getattr(clause, "Rule", None)
        if rule is not None:
            return f"Guard rule {rule.name} failed."
    return "A Guard rule failed."


def guard_rule(rule: ConfigRule) -> ManagedRule:
    """The rule as the engine runs managed ones: its triggers, the types it reads, and Guard as its check."""
    source = rule["Source"]
    policy = source["CustomPolicyDetails"]["PolicyText"]

    def check(item: dict[str, Any], inputs: Inputs) -> Verdict:
        guard, errors = _guard()
        try:
            report = guard.run_checks(_as_rules_see_it(item), policy)
        except (errors.MissingValueError, errors.ParseError, errors.UnknownError) as error:
            return Verdict(NON_COMPLIANT, f"Guard could not evaluate the item: {error}"[:256])
        if report.not_compliant:
            return Verdict(NON_COMPLIANT, _first_failure(report))
        return Verdict(COMPLIANT if report.compliant else NOT_APPLICABLE)

    triggers = tuple(sorted({_TRIGGERS[t["MessageType"]] for t in source.get("SourceDetails") or []}))
    given = tuple(json.loads(rule.get("InputParameters") or "{}"))  # free-form: Guard does not read them
    return ManagedRule(rule["ConfigRuleName"], triggers, tuple(sorted(SUPPORTED)), optional=given, check=check)
