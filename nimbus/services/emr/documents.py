"""The stored shapes of EMR's clusters and steps (see nimbus.core.documents for the convention). Members are
the API's; ``AccountId``/``Region``/``Seq`` and the role and instance facts are nimbus's own."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class Cluster(TypedDict, total=False):
    """A cluster as DescribeCluster names its members, with its instance groups, bootstrap actions and the
    role the steps act as beside them."""
    Id: Required[str]
    Name: Required[str]
    ClusterArn: Required[str]
    AccountId: Required[str]
    Region: Required[str]
    Status: Required[dict]
    ReleaseLabel: Required[str]
    Applications: list[dict]
    Configurations: list[dict]
    BootstrapActions: list[dict]
    InstanceGroups: list[dict]
    InstanceFleets: list[dict]
    InstanceCollectionType: str
    Ec2InstanceAttributes: dict
    LogUri: str
    AutoTerminate: bool
    TerminationProtected: bool
    VisibleToAllUsers: bool
    ServiceRole: str
    JobFlowRole: str
    InstanceRoleArn: str
    StepConcurrencyLevel: int
    AutoTerminationPolicy: dict
    SecurityConfiguration: str
    Tags: list[dict]
    IdleSince: float
    StepCount: int


class Step(TypedDict, total=False):
    """A step as DescribeStep names its members; ``Seq`` orders a cluster's steps."""
    Id: Required[str]
    ClusterId: Required[str]
    Seq: Required[int]
    Name: Required[str]
    Config: Required[dict]
    ActionOnFailure: Required[str]
    Status: Required[dict]


class SecurityConfiguration(TypedDict):
    Name: str
    SecurityConfiguration: str
    CreationDateTime: float


CLUSTER = DocumentKind[Cluster]("emr.Cluster")
STEP = DocumentKind[Step]("emr.Step")
SECURITY_CONFIGURATION = DocumentKind[SecurityConfiguration]("emr.SecurityConfiguration")
