"""The stored shapes of CloudFormation entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Any, Required, TypedDict

from nimbus.core.documents import DocumentKind


class Stack(TypedDict, total=False):
    """A stack, named as DescribeStacks names its members. ``ParameterValues`` are the values given
    (NoEcho ones too: describes mask them), ``TemplateBody`` the template as sent."""
    StackId: Required[str]
    StackName: Required[str]
    StackStatus: Required[str]
    CreationTime: Required[float]
    TemplateBody: Required[str]
    Description: str
    StackStatusReason: str
    LastUpdatedTime: float
    DeletionTime: float
    DisableRollback: bool
    NotificationARNs: list[str]
    TimeoutInMinutes: int
    Capabilities: list[str]
    Outputs: list[dict[str, str]]
    RoleARN: str
    Tags: list[dict[str, str]]
    EnableTerminationProtection: bool
    OnFailure: str  # CreateStack's: DELETE deletes the stack once a failed create has rolled back
    ParameterValues: dict[str, str]
    ResolvedValues: dict[str, str]  # AWS::SSM::Parameter::Value<...> parameters: the value read from SSM
    Imports: list[str]  # the export names this stack's template imports
    DriftInformation: dict[str, Any]  # the last DetectStackDrift: StackDriftStatus, LastCheckTimestamp (a float)
    ParentId: str  # a nested stack's: the stack whose AWS::CloudFormation::Stack resource it is
    RootId: str  # a nested stack's: the top-level stack of its tree
    RetainExceptOnCreate: bool  # the last operation's: its rollback deletes what it made, Retain or not
    StackPolicyBody: str
    StackPolicyDuringUpdate: str  # the running update's own policy, in place of StackPolicyBody
    # A stack left CREATE_FAILED, UPDATE_FAILED or UPDATE_ROLLBACK_FAILED: what is left to undo, as
    # (action, logical id, the resource's document before) entries, oldest first.
    Journal: list[Any]


class StackResource(TypedDict, total=False):
    """One resource of a stack, as DescribeStackResource names its members, plus what the engine needs:
    the properties it was made with, its GetAtt attributes and its DeletionPolicy and UpdateReplacePolicy."""
    LogicalResourceId: Required[str]
    ResourceType: Required[str]
    ResourceStatus: Required[str]
    LastUpdatedTimestamp: Required[float]
    PhysicalResourceId: str
    ResourceStatusReason: str
    Properties: dict[str, Any]
    Attributes: dict[str, Any]
    DeletionPolicy: str
    UpdateReplacePolicy: str
    Metadata: str
    DriftInformation: dict[str, Any]  # the last drift check: StackResourceDriftStatus, LastCheckTimestamp


class StackResourceDrift(TypedDict, total=False):
    """A resource's last drift check, as DescribeStackResourceDrifts names its members (Timestamp a float)."""
    StackId: Required[str]
    LogicalResourceId: Required[str]
    ResourceType: Required[str]
    StackResourceDriftStatus: Required[str]
    Timestamp: Required[float]
    PhysicalResourceId: str
    ExpectedProperties: str
    ActualProperties: str
    PropertyDifferences: list[dict[str, str]]


class DriftDetection(TypedDict, total=False):
    """One DetectStackDrift, as DescribeStackDriftDetectionStatus names its members."""
    StackId: Required[str]
    StackDriftDetectionId: Required[str]
    DetectionStatus: Required[str]
    Timestamp: Required[float]
    StackDriftStatus: str
    DetectionStatusReason: str
    DriftedStackResourceCount: int


class StackEvent(TypedDict, total=False):
    EventId: Required[str]
    StackId: Required[str]
    StackName: Required[str]
    LogicalResourceId: Required[str]
    ResourceType: Required[str]
    Timestamp: Required[float]
    ResourceStatus: Required[str]
    PhysicalResourceId: str
    ResourceStatusReason: str
    ResourceProperties: str


class ChangeSet(TypedDict, total=False):
    """A change set, as DescribeChangeSet names its members; ``Request`` keeps what the stack operation
    needs when it is executed (parameters given, RoleARN, tags...), ``TemplateBody`` its template."""
    ChangeSetId: Required[str]
    ChangeSetName: Required[str]
    StackId: Required[str]
    StackName: Required[str]
    ChangeSetType: Required[str]
    Status: Required[str]
    ExecutionStatus: Required[str]
    CreationTime: Required[float]
    TemplateBody: Required[str]
    Request: Required[dict[str, Any]]
    StatusReason: str
    Description: str
    Changes: list[dict[str, Any]]
    ParameterValues: dict[str, str]
    ResolvedValues: dict[str, str]
    PropertyValues: dict[str, list]  # logical id -> [properties before, after] (None: absent), NoEcho masked
    IncludeNestedStacks: bool
    NestedStacks: dict[str, dict]  # IncludeNestedStacks: each nested stack resource's properties after the change
    ParentChangeSetId: str  # a nested change set's: the change set of its parent stack
    RootChangeSetId: str  # a nested change set's: the change set of its root stack


class Export(TypedDict):
    ExportingStackId: str
    Name: str
    Value: str


STACK = DocumentKind[Stack]("cloudformation.Stack")
STACK_RESOURCE = DocumentKind[StackResource]("cloudformation.StackResource")
STACK_EVENT = DocumentKind[StackEvent]("cloudformation.StackEvent")
CHANGE_SET = DocumentKind[ChangeSet]("cloudformation.ChangeSet")
EXPORT = DocumentKind[Export]("cloudformation.Export")
STACK_RESOURCE_DRIFT = DocumentKind[StackResourceDrift]("cloudformation.StackResourceDrift")
DRIFT_DETECTION = DocumentKind[DriftDetection]("cloudformation.DriftDetection")
