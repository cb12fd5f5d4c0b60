"""The stored shapes of CloudFront entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import NotRequired, Required, TypedDict

from nimbus.core.documents import DocumentKind


class Distribution(TypedDict, total=False):
    """A distribution as GetDistribution names its members; ``Status`` is derived from ``DeployedTime``
    on the virtual clock when read, and ``ETag`` changes with every write of the configuration."""
    Id: Required[str]
    ARN: Required[str]
    DomainName: Required[str]
    LastModifiedTime: Required[float]
    DistributionConfig: Required[dict]
    ETag: Required[str]
    DeployedTime: Required[float]  # when the last change has reached every edge (virtual epoch seconds)
    Tags: dict[str, str]


class Invalidation(TypedDict):
    """An invalidation batch; ``Status`` is Completed once the virtual clock passes ``CompletedTime``."""
    Id: str
    CreateTime: float
    CompletedTime: float
    InvalidationBatch: dict


class EdgeName(TypedDict):
    """Which distribution a viewer's name (its id, domain name or an alias) reaches: names are global."""
    Account: str
    Id: str


DISTRIBUTION = DocumentKind[Distribution]("cloudfront.Distribution")
INVALIDATION = DocumentKind[Invalidation]("cloudfront.Invalidation")
EDGE_NAME = DocumentKind[EdgeName]("cloudfront.EdgeName")


class RealtimeLogConfig(TypedDict):
    """A real-time log configuration as GetRealtimeLogConfig answers it (names are unique per account)."""
    ARN: str
    Name: str
    SamplingRate: int
    EndPoints: list[dict]
    Fields: list[str]


REALTIME_LOG_CONFIG = DocumentKind[RealtimeLogConfig]("cloudfront.RealtimeLogConfig")


class OwnedConfig(TypedDict, total=False):
    """A configuration CloudFront keeps as a resource of its own (an origin access identity or control,
    a cache, origin request or response headers policy): its API config member as ``Config``."""
    Id: Required[str]
    ETag: Required[str]
    LastModifiedTime: Required[float]
    Config: Required[dict]
    S3CanonicalUserId: str  # origin access identities only


OWNED_CONFIG = DocumentKind[OwnedConfig]("cloudfront.OwnedConfig")


class PublicKey(TypedDict):
    """A public key for signed URLs and cookies, as GetPublicKey names it; ``ETag`` changes with each update."""
    Id: str
    CreatedTime: float
    PublicKeyConfig: dict
    ETag: str


class KeyGroup(TypedDict):
    """A key group (the public keys a behaviour trusts), as GetKeyGroup names it."""
    Id: str
    LastModifiedTime: float
    KeyGroupConfig: dict
    ETag: str


PUBLIC_KEY = DocumentKind[PublicKey]("cloudfront.PublicKey")
KEY_GROUP = DocumentKind[KeyGroup]("cloudfront.KeyGroup")


class FunctionStage(TypedDict):
    """One stage (DEVELOPMENT or LIVE) of a CloudFront Function: its configuration and code."""
    FunctionConfig: dict
    FunctionCode: str  # JavaScript source, UTF-8
    ETag: str
    LastModifiedTime: float


class CloudFrontFunction(TypedDict, total=False):
    """A CloudFront Function; ``Live`` appears once it is published (what the edge runs)."""
    Name: Required[str]
    FunctionARN: Required[str]
    CreatedTime: Required[float]
    Development: Required[FunctionStage]
    Live: FunctionStage
    Tags: dict[str, str]


FUNCTION = DocumentKind[CloudFrontFunction]("cloudfront.Function")


class KeyValueStore(TypedDict):
    """A CloudFront KeyValueStore as DescribeKeyValueStore names it; ``ETag`` versions its description
    (control plane), ``DataETag`` its keys (the cloudfront-keyvaluestore API's ETag)."""
    Name: str
    Id: str
    ARN: str
    Comment: str
    Created: float
    LastModifiedTime: float
    ETag: str
    DataETag: str


class KeyValueItem(TypedDict):
    """One key's value in a KeyValueStore (the key is the document's key)."""
    Value: str


KEY_VALUE_STORE = DocumentKind[KeyValueStore]("cloudfront.KeyValueStore")
KEY_VALUE_ITEM = DocumentKind[KeyValueItem]("cloudfront.KeyValueItem")


class ContinuousDeploymentPolicy(TypedDict):
    """A continuous deployment policy as GetContinuousDeploymentPolicy names it; which staging distribution
    (by domain name) gets which share of a primary's viewers."""
    Id: str
    LastModifiedTime: float
    ContinuousDeploymentPolicyConfig: dict
    ETag: str
    SessionSecret: NotRequired[str]  # signs its sessions' cookies; a new one ends them all (sticky_sessions.py)


DEPLOYMENT_POLICY = DocumentKind[ContinuousDeploymentPolicy]("cloudfront.ContinuousDeploymentPolicy")
