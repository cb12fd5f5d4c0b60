"""The stored shapes of Config rules and their evaluation results (see ``documents.py`` for the layout of
the recording half). Under ``("config", account, region, ...)``:

- ``rules``: each Config rule (``ConfigRule``), keyed by name, with its evaluation status fields.
- ``evaluations``, then the rule name: the latest evaluation result of each resource the rule evaluated
  (``Evaluation``), keyed by ``<resource type>|<resource id>``.
- ``remediations``: each rule's remediation configuration (``Remediation``), keyed by rule name;
  ``executions`` and ``remediation-exceptions``, then the rule name: per resource, its latest remediation
  (``Execution``) and its exception (``RemediationException``).
- ``conformance-packs``: each conformance pack (``ConformancePack``), keyed by name, naming its rules.
"""
from __future__ import annotations

from typing import Any, Required, TypedDict

from nimbus.core.documents import DocumentKind
from nimbus.core.namespaces import Namespace


class ConfigRule(TypedDict, total=False):
    """A rule as DescribeConfigRules answers it, and DescribeConfigRuleEvaluationStatus's fields."""
    ConfigRuleName: Required[str]
    ConfigRuleArn: Required[str]
    ConfigRuleId: Required[str]
    Source: Required[dict[str, Any]]
    Scope: dict[str, Any]
    Description: str
    InputParameters: str
    MaximumExecutionFrequency: str
    ConfigRuleState: Required[str]
    CreatedBy: str
    EvaluationModes: list[dict[str, str]]
    status: dict[str, Any]  # DescribeConfigRuleEvaluationStatus's members (times as epoch seconds)
    lastPeriodicRun: float  # when the periodic trigger last evaluated it (virtual clock)


class Evaluation(TypedDict, total=False):
    """One resource's latest result for one rule (times as epoch seconds)."""
    ResourceType: Required[str]
    ResourceId: Required[str]
    ComplianceType: Required[str]  # COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE | INSUFFICIENT_DATA
    Annotation: str
    OrderingTimestamp: Required[float]
    ResultRecordedTime: Required[float]
    ConfigRuleInvokedTime: Required[float]


RULE = DocumentKind[ConfigRule]("config.ConfigRule")
EVALUATION = DocumentKind[Evaluation]("config.Evaluation")

rules_ns = Namespace("config", "rules")
evaluations_ns = Namespace("config", "evaluations")

COMPLIANT, NON_COMPLIANT = "COMPLIANT", "NON_COMPLIANT"
NOT_APPLICABLE, INSUFFICIENT_DATA = "NOT_APPLICABLE", "INSUFFICIENT_DATA"
ACCOUNT_TYPE = "AWS::::Account"  # the resource type of account-level (periodic) rules' results


def evaluation_key(resource_type: str, resource_id: str) -> str:
    return f"{resource_type}|{resource_id}"


class Remediation(TypedDict, total=False):
    """A rule's remediation configuration as DescribeRemediationConfigurations answers it."""
    ConfigRuleName: Required[str]
    TargetType: Required[str]
    TargetId: Required[str]
    TargetVersion: str
    Parameters: dict[str, Any]
    ResourceType: str
    Automatic: bool
    ExecutionControls: dict[str, Any]
    MaximumAutomaticAttempts: int
    RetryAttemptSeconds: int
    Arn: Required[str]


class Execution(TypedDict, total=False):
    """One resource's latest remediation (DescribeRemediationExecutionStatus; times as epoch seconds)."""
    ResourceType: Required[str]
    ResourceId: Required[str]
    State: Required[str]  # IN_PROGRESS | SUCCEEDED | FAILED
    StepDetails: list[dict[str, Any]]
    InvocationTime: Required[float]
    LastUpdatedTime: Required[float]
    automaticAttempts: int  # automatic attempts since the resource last turned NON_COMPLIANT


class RemediationException(TypedDict, total=False):
    ConfigRuleName: Required[str]
    ResourceType: Required[str]
    ResourceId: Required[str]
    Message: str
    ExpirationTime: float


REMEDIATION = DocumentKind[Remediation]("config.Remediation")
EXECUTION = DocumentKind[Execution]("config.RemediationExecution")
REMEDIATION_EXCEPTION = DocumentKind[RemediationException]("config.RemediationException")

remediations_ns = Namespace("config", "remediations")  # keyed by rule name
executions_ns = Namespace("config", "executions")  # then the rule name; keyed by evaluation_key
exceptions_ns = Namespace("config", "remediation-exceptions")  # then the rule name; keyed by evaluation_key


class ConformancePack(TypedDict, total=False):
    """A conformance pack as DescribeConformancePacks answers it, with the rules it created."""
    ConformancePackName: Required[str]
    ConformancePackArn: Required[str]
    ConformancePackId: Required[str]
    DeliveryS3Bucket: str
    DeliveryS3KeyPrefix: str
    ConformancePackInputParameters: list[dict[str, str]]
    LastUpdateRequestedTime: Required[float]
    LastUpdateCompletedTime: float
    suffix: Required[str]  # the random part of its rules' names (``<rule>-conformance-pack-<suffix>``)
    rules: list[str]  # the names of the rules it created


PACK = DocumentKind[ConformancePack]("config.ConformancePack")
packs_ns = Namespace("config", "conformance-packs")  # keyed by pack name
