"""The stored shapes of CloudWatch Logs entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class LogGroup(TypedDict, total=False):
    logGroupName: Required[str]
    creationTime: Required[int]
    arn: Required[str]  # without the ":*" DescribeLogGroups appends
    kmsKeyId: str | None
    logGroupClass: str
    deletionProtectionEnabled: bool
    retentionInDays: int | None
    storedBytes: int
    tags: dict[str, str]
    dataProtectionPolicy: str
    dataProtectionUpdated: int
    bearerTokenAuthenticationEnabled: bool
    dataSource: dict[str, str]  # {name, type}: the managed groups nimbus creates (imports) know theirs


class LogStream(TypedDict, total=False):
    logStreamName: Required[str]
    creationTime: Required[int]
    arn: Required[str]
    storedBytes: int
    uploadSequenceToken: str
    firstEventTimestamp: int
    lastEventTimestamp: int
    lastIngestionTime: int
    seq: int  # the next ingestion counter: the low digits of event keys (event_store.py)


LOG_GROUP = DocumentKind[LogGroup]("logs.LogGroup")
LOG_STREAM = DocumentKind[LogStream]("logs.LogStream")


class SubscriptionFilter(TypedDict, total=False):
    filterName: Required[str]
    logGroupName: Required[str]
    filterPattern: Required[str]
    destinationArn: Required[str]
    creationTime: Required[int]
    roleArn: str
    distribution: str  # ByLogStream (default) or Random
    applyOnTransformedLogs: bool


class MetricTransformation(TypedDict, total=False):
    metricName: Required[str]
    metricNamespace: Required[str]
    metricValue: Required[str]
    defaultValue: float
    dimensions: dict[str, str]
    unit: str


class MetricFilter(TypedDict, total=False):
    filterName: Required[str]
    logGroupName: Required[str]
    filterPattern: Required[str]
    metricTransformations: Required[list[MetricTransformation]]
    creationTime: Required[int]
    applyOnTransformedLogs: bool


class Destination(TypedDict, total=False):
    destinationName: Required[str]
    targetArn: Required[str]
    roleArn: Required[str]
    arn: Required[str]
    creationTime: Required[int]
    accessPolicy: str
    tags: dict[str, str]


class Forward(TypedDict):
    """One subscription payload waiting to be delivered (the outbox; written with the events it carries)."""
    account: str
    region: str
    group: str
    stream: str
    filter: str
    destination: str  # the filter's destinationArn
    role: str | None
    distribution: str
    events: list[list]  # [id, timestamp, message]
    queued: int  # virtual ms: delivery is retried for a day from here
    attempts: int


SUBSCRIPTION_FILTER = DocumentKind[SubscriptionFilter]("logs.SubscriptionFilter")
METRIC_FILTER = DocumentKind[MetricFilter]("logs.MetricFilter")
DESTINATION = DocumentKind[Destination]("logs.Destination")
FORWARD = DocumentKind[Forward]("logs.Forward")


class InsightsQuery(TypedDict, total=False):
    queryId: Required[str]
    queryString: Required[str]
    status: Required[str]  # Scheduled, Running, Complete, Failed, Cancelled, Timeout
    createTime: Required[int]
    logGroupNames: Required[list[str]]
    startTime: int
    endTime: int
    limit: int
    queryLanguage: str
    queryDuration: int
    results: list[list[dict]]
    statistics: dict
    failure: str  # why a Failed query failed (not an API member)


class QueryDefinition(TypedDict, total=False):
    queryDefinitionId: Required[str]
    name: Required[str]
    queryString: Required[str]
    lastModified: Required[int]
    logGroupNames: list[str]
    queryLanguage: str


INSIGHTS_QUERY = DocumentKind[InsightsQuery]("logs.InsightsQuery")
QUERY_DEFINITION = DocumentKind[QueryDefinition]("logs.QueryDefinition")


# The functional form: "from", the API's member name, is a Python keyword.
ExportTask = TypedDict("ExportTask", {
    "taskId": Required[str],
    "taskName": str,
    "logGroupName": Required[str],
    "logStreamNamePrefix": str,
    "from": Required[int],
    "to": Required[int],
    "destination": Required[str],
    "destinationPrefix": Required[str],
    "status": Required[dict],  # {code, message}
    "executionInfo": Required[dict],  # {creationTime, completionTime}
}, total=False)


EXPORT_TASK = DocumentKind[ExportTask]("logs.ExportTask")
