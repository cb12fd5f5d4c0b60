"""The stored shapes of stack sets, their instances and operations (see nimbus.core.documents), named as
DescribeStackSet, DescribeStackInstance and DescribeStackSetOperation name their members."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class StackSet(TypedDict, total=False):
    StackSetName: Required[str]
    StackSetId: Required[str]
    StackSetARN: Required[str]
    Status: Required[str]  # ACTIVE or DELETED
    TemplateBody: Required[str]
    Description: str
    Parameters: list[dict[str, str]]
    Capabilities: list[str]
    Tags: list[dict[str, str]]
    AdministrationRoleARN: str
    ExecutionRoleName: str
    PermissionModel: str


class StackInstance(TypedDict, total=False):
    StackSetId: Required[str]
    Account: Required[str]
    Region: Required[str]
    Status: Required[str]  # CURRENT, OUTDATED or INOPERABLE
    StackInstanceStatus: Required[dict[str, str]]  # {"DetailedStatus": ...}
    StackId: str
    StatusReason: str
    ParameterOverrides: list[dict[str, str]]
    DriftStatus: str
    LastOperationId: str


class StackSetOperation(TypedDict, total=False):
    """An operation, with its per-target results (ListStackSetOperationResults' summaries)."""
    OperationId: Required[str]
    StackSetId: Required[str]
    Action: Required[str]  # CREATE, UPDATE or DELETE
    Status: Required[str]  # RUNNING, SUCCEEDED, FAILED
    CreationTimestamp: Required[float]
    OperationPreferences: dict
    RetainStacks: bool
    AdministrationRoleARN: str
    ExecutionRoleName: str
    EndTimestamp: float
    StatusReason: str
    Results: list[dict]


STACK_SET = DocumentKind[StackSet]("cloudformation.StackSet")
STACK_INSTANCE = DocumentKind[StackInstance]("cloudformation.StackInstance")
STACK_SET_OPERATION = DocumentKind[StackSetOperation]("cloudformation.StackSetOperation")
