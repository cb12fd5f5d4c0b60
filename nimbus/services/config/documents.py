"""The stored shapes of AWS Config (see nimbus.core.documents for the convention).

The layout, for what builds on it (rules, compliance, conformance packs), all under
``("config", account, region, <kind>, ...)``:

- ``recorders``: the one configuration recorder (``Recorder``), keyed by name, with its status beside it.
- ``channels``: the one delivery channel (``DeliveryChannel``), keyed by name, with its delivery status.
- ``resources``, then the resource type: the latest configuration item of each recorded resource
  (``RecordedResource``), keyed by resource id; deleted resources stay, with their deletion time.
- ``items``, then the resource type and id: every configuration item of that resource, keyed by its
  ``configurationStateId`` (capture time in milliseconds, zero-padded, so keys sort in time order).
- ``arns``: ARN -> ``<type>|<id>``, how a change event (which names an ARN) finds its resource.
- ``daily``: resources changed since the last recording of a DAILY recorder, keyed by ARN.
- ``aggregators`` and ``authorizations``: configuration aggregators and aggregation authorizations.
"""
from __future__ import annotations

from typing import Any, Required, TypedDict

from nimbus.core.documents import DocumentKind


class Recorder(TypedDict, total=False):
    """A configuration recorder as DescribeConfigurationRecorders names it, and its status fields."""
    name: Required[str]
    arn: Required[str]
    roleARN: Required[str]
    recordingGroup: Required[dict[str, Any]]
    recordingMode: Required[dict[str, Any]]
    recording: bool
    lastStartTime: float
    lastStopTime: float
    lastStatus: str  # Pending | Success | Failure
    lastStatusChangeTime: float
    lastErrorCode: str
    lastErrorMessage: str
    lastDailyRecordingTime: float  # DAILY mode: when changes were last recorded


class DeliveryChannel(TypedDict, total=False):
    """A delivery channel as DescribeDeliveryChannels names it, with DescribeDeliveryChannelStatus's fields."""
    name: Required[str]
    s3BucketName: Required[str]
    s3KeyPrefix: str
    s3KmsKeyArn: str
    snsTopicARN: str
    configSnapshotDeliveryProperties: dict[str, str]
    configSnapshotDeliveryInfo: dict[str, Any]
    configHistoryDeliveryInfo: dict[str, Any]
    configStreamDeliveryInfo: dict[str, Any]
    historyDeliveredUntil: float  # configuration items captured before this are in history files


class RecordedResource(TypedDict, total=False):
    """The latest configuration item of one resource (the API's ConfigurationItem, times as epoch seconds)."""
    item: Required[dict[str, Any]]
    resourceDeletionTime: float


class Aggregator(TypedDict, total=False):
    ConfigurationAggregatorName: Required[str]
    ConfigurationAggregatorArn: Required[str]
    AccountAggregationSources: list[dict[str, Any]]
    OrganizationAggregationSource: dict[str, Any]
    CreationTime: Required[float]
    LastUpdatedTime: Required[float]


class Authorization(TypedDict, total=False):
    AggregationAuthorizationArn: Required[str]
    AuthorizedAccountId: Required[str]
    AuthorizedAwsRegion: Required[str]
    CreationTime: Required[float]


RECORDER = DocumentKind[Recorder]("config.Recorder")
CHANNEL = DocumentKind[DeliveryChannel]("config.DeliveryChannel")
RESOURCE = DocumentKind[RecordedResource]("config.RecordedResource")
AGGREGATOR = DocumentKind[Aggregator]("config.Aggregator")
AUTHORIZATION = DocumentKind[Authorization]("config.Authorization")
