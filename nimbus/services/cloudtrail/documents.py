"""The stored shapes of CloudTrail entities (see nimbus.core.documents for the convention).

Entities, one versioned document each:
- a trail (``Trail``), under its home region: the API's own members (``Name``, ``TrailARN``,
  ``S3BucketName``...), plus ``IsLogging`` and ``Tags`` (by key);
- a trail's delivery state (``TrailState``), beside it: what GetTrailStatus reports (``LatestDeliveryTime``,
  ``StartLoggingTime``...) and the engine's positions, named in the same style: where S3 delivery stands in
  the history (``Since``, ``Cursors``), the files the next digest lists and each region's digest chain
  (``DigestFiles``, ``Chains``), and CloudWatch Logs' own position (``Logs``);
- a digest signing key (``SigningKey``), per region: ListPublicKeys' members (``Fingerprint``, ``Value``,
  ``ValidityStartTime``...) and its private half, sealed by the vault (version 0 held it in the clear:
  signing.py seals it when it next reads it, since a migration has no vault).
Times are epoch seconds (virtual clock). Log file and digest entries are named in this style too; the digest
file itself, in AWS's format (``s3Bucket``, ``previousDigestSignature``), is written from them (digests.py).

Records keep compact layouts of their own, because there are many of them and they are written once: the
event history (one CloudTrail record per call, in AWS's record format, keyed by inverted time) and its
LookupEvents index (empty documents whose keys are the index), both in history.py.
"""
from __future__ import annotations

from typing import Any, Required, TypedDict

from nimbus.core.documents import DocumentKind, rename_fields

Raw = dict[str, Any]


class Trail(TypedDict, total=False):
    Name: Required[str]
    HomeRegion: Required[str]
    TrailARN: Required[str]
    IncludeGlobalServiceEvents: Required[bool]
    IsMultiRegionTrail: Required[bool]
    LogFileValidationEnabled: Required[bool]
    HasCustomEventSelectors: Required[bool]
    HasInsightSelectors: Required[bool]
    IsOrganizationTrail: Required[bool]
    IsLogging: Required[bool]
    Tags: Required[dict[str, str]]
    S3BucketName: Required[str]
    S3KeyPrefix: str | None
    SnsTopicName: str | None  # the topic's ARN, as AWS answers it
    SnsTopicARN: str | None
    KmsKeyId: str | None  # the key's ARN
    CloudWatchLogsLogGroupArn: str | None
    CloudWatchLogsRoleArn: str | None
    EventSelectors: list[dict[str, Any]]  # one of the two, once PutEventSelectors was called
    AdvancedEventSelectors: list[dict[str, Any]]
    InsightSelectors: list[dict[str, Any]]  # PutInsightSelectors' own, when Insights are on


class LogFile(TypedDict):
    """A delivered log file the region's next digest lists (its digest entry: ``logFiles``)."""
    S3Bucket: str
    S3Object: str
    HashValue: str  # SHA-256 of the uncompressed file, hex
    HashAlgorithm: str
    NewestEventTime: str
    OldestEventTime: str


class DigestLink(TypedDict):
    """The last digest written, which the next one names (its ``previousDigest...`` fields)."""
    S3Bucket: str
    S3Object: str
    HashValue: str
    Signature: str


class DigestChain(TypedDict):
    DigestStartTime: float  # where the next digest's period starts
    Previous: DigestLink | None  # None until the chain's first digest


class LogsPosition(TypedDict):
    """Where CloudWatch Logs delivery stands, apart from S3's (logs_delivery.py)."""
    Group: str  # the log group ARN these cursors are for: another group starts over
    Cursors: dict[str, str]  # "<region>/<history kind>" -> the newest history key taken
    Streams: list[str]  # log streams known to exist in the group


class TrailState(TypedDict, total=False):
    StartLoggingTime: float
    StopLoggingTime: float
    Since: str  # the history key logging started at: nothing older is delivered
    Cursors: dict[str, str]  # "<region>/<history kind>" -> the newest history key in a delivered file
    NextDelivery: float
    DigestFiles: dict[str, list[LogFile]]  # by region
    Chains: dict[str, DigestChain]  # by region
    Logs: LogsPosition
    LatestDeliveryTime: float
    LatestDeliveryAttemptTime: float
    LatestDeliveryAttemptSucceeded: float
    LatestDeliveryError: str
    LatestNotificationTime: float
    LatestNotificationAttemptTime: float
    LatestNotificationAttemptSucceeded: float
    LatestNotificationError: str
    LatestCloudWatchLogsDeliveryTime: float
    LatestCloudWatchLogsDeliveryError: str
    LatestDigestDeliveryTime: float
    LatestDigestDeliveryError: str


class SigningKey(TypedDict, total=False):
    Fingerprint: Required[str]  # MD5 of the public key's DER, hex
    ValidityStartTime: Required[float]
    ValidityEndTime: Required[float]
    Value: Required[str]  # the public key: PKCS#1 DER, base64
    SealedPrivateKey: str  # PKCS#8 DER sealed by the vault (signing.py)
    PrivateKey: str  # PKCS#8 PEM in the clear: only in a key stored before version 1, sealed when next read


class ActiveInsight(TypedDict):
    """An unusual activity under way: its Start event is out, its End is not (insights.py)."""
    SharedEventID: str
    StartMinute: int
    LastMinute: int  # the newest minute still unusual
    Counts: list[float]  # the measured calls (or errors) of each unusual minute
    Calls: list[float]  # all calls of the API in those minutes (an error rate's denominator)
    Attributions: dict[str, dict[str, int]]  # attribute -> value -> calls, over the unusual minutes
    Baseline: float  # calls per minute, or errors per call, over the baseline window
    BaselineMinutes: int


class InsightsState(TypedDict, total=False):
    """Insights' computation for one account and region: the baseline as running sums over its window."""
    FirstMinute: Required[int]  # the minute Insights began here: the baseline counts minutes from it
    NextMinute: Required[int]  # the first minute not yet measured
    Sums: Required[dict[str, list[float]]]  # measure key -> [sum, sum of squares] over the baseline window
    Active: Required[dict[str, ActiveInsight]]
    AgedBefore: int  # minutes before this one have left the baseline (their counts stay for the metrics)


class InsightDelivery(TypedDict, total=False):
    """Where a trail's Insights files stand: the newest insight event delivered, per region."""
    Since: Required[str]  # the history key Insights were enabled at: nothing older is delivered
    Cursors: Required[dict[str, str]]
    LatestDeliveryTime: float
    LatestDeliveryError: str


class Channel(TypedDict, total=False):
    """A channel for events from outside AWS (channels.py); its last ingestion is GetChannel's IngestionStatus."""
    ChannelArn: Required[str]
    Name: Required[str]
    Source: Required[str]
    Destinations: Required[list[dict[str, str]]]  # Type, Location: an event data store's ARN
    Tags: Required[dict[str, str]]
    IngestionStatus: dict[str, Any]  # LatestIngestionSuccessTime (epoch seconds), ...EventID, ...ErrorCode


class Dashboard(TypedDict, total=False):
    """A custom CloudTrail Lake dashboard (dashboards.py): GetDashboard's members, times in epoch seconds."""
    DashboardArn: Required[str]
    Name: Required[str]
    Type: Required[str]
    Status: Required[str]
    Widgets: Required[list[dict[str, Any]]]
    Tags: Required[dict[str, str]]
    TerminationProtectionEnabled: Required[bool]
    CreatedTimestamp: Required[float]
    UpdatedTimestamp: Required[float]
    RefreshSchedule: dict[str, Any]
    LastRefreshId: str
    LastRefreshFailureReason: str


class StoredPolicy(TypedDict):
    """A resource-based policy on a channel, event data store or dashboard (resource_policies.py)."""
    ResourceArn: str
    ResourcePolicy: str


INSIGHTS_STATE = DocumentKind[InsightsState]("cloudtrail.InsightsState")
INSIGHT_DELIVERY = DocumentKind[InsightDelivery]("cloudtrail.InsightDelivery")
CHANNEL = DocumentKind[Channel]("cloudtrail.Channel")
DASHBOARD = DocumentKind[Dashboard]("cloudtrail.Dashboard")
STORED_POLICY = DocumentKind[StoredPolicy]("cloudtrail.ResourcePolicy")


# -- version 0: the engine's snake_case fields, written before documents were versioned ----------------

_FILE_V0 = {"s3Bucket": "S3Bucket", "s3Object": "S3Object", "hashValue": "HashValue",
            "hashAlgorithm": "HashAlgorithm", "newestEventTime": "NewestEventTime",
            "oldestEventTime": "OldestEventTime"}
_LINK_V0 = {"bucket": "S3Bucket", "key": "S3Object", "hash": "HashValue", "signature": "Signature"}
_state_v0 = rename_fields({"since": "Since", "cursors": "Cursors", "next_delivery": "NextDelivery",
                           "digest_files": "DigestFiles", "chains": "Chains", "logs": "Logs"})


def state_from_v0(doc: Raw) -> Raw:
    state = _state_v0(doc)
    if "digest_files" in doc:
        state["DigestFiles"] = {region: [rename_fields(_FILE_V0)(f) for f in files]
                                for region, files in doc["digest_files"].items()}
    if "chains" in doc:
        state["Chains"] = {region: {"DigestStartTime": chain["start"],
                                    "Previous": rename_fields(_LINK_V0)(chain["previous"]) if chain.get("previous")
                                    else None}
                           for region, chain in doc["chains"].items()}
    if "logs" in doc:
        logs = doc["logs"]  # an older nimbus kept its role session here ("session"): sessions are shared now
        state["Logs"] = {"Group": logs["group"], "Cursors": logs["cursors"], "Streams": logs.get("streams", [])}
    return state


TRAIL = DocumentKind[Trail]("cloudtrail.Trail")
TRAIL_STATE = DocumentKind[TrailState]("cloudtrail.TrailState", migrations={0: state_from_v0})
SIGNING_KEY = DocumentKind[SigningKey]("cloudtrail.SigningKey", migrations={0: rename_fields({
    "fingerprint": "Fingerprint", "start": "ValidityStartTime", "end": "ValidityEndTime", "public": "Value",
    "private": "PrivateKey"})})
