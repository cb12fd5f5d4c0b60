"""The stored shapes of CloudFront entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

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
