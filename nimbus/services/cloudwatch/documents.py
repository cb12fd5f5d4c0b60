"""The stored shapes of CloudWatch (see nimbus.core.documents for the convention).

A metric is one document (its identity, and when data was last put: ListMetrics' RecentlyActive); its
datapoints are buckets in a namespace of their own (series.py). An alarm is one document named as
DescribeAlarms names its members (MetricAlarm or CompositeAlarm), with ``AlarmType`` and the state the
evaluator keeps. Times are epoch seconds on the virtual clock.
"""
from __future__ import annotations

from typing import Any, TypedDict

from nimbus.core.documents import DocumentKind


class Metric(TypedDict):
    Namespace: str
    MetricName: str
    Dimensions: list[dict[str, str]]
    LastPut: float
    Series: str  # the points namespace segment (common.series_id)


class Alarm(TypedDict, total=False):
    AlarmName: str
    AlarmArn: str
    AlarmType: str  # MetricAlarm or CompositeAlarm
    AlarmDescription: str
    AlarmConfigurationUpdatedTimestamp: float
    ActionsEnabled: bool
    OKActions: list[str]
    AlarmActions: list[str]
    InsufficientDataActions: list[str]
    StateValue: str
    StateReason: str
    StateReasonData: str
    StateUpdatedTimestamp: float
    StateTransitionedTimestamp: float
    # metric alarms
    MetricName: str
    Namespace: str
    Statistic: str
    ExtendedStatistic: str
    Dimensions: list[dict[str, str]]
    Period: int
    Unit: str
    EvaluationPeriods: int
    DatapointsToAlarm: int
    Threshold: float
    ComparisonOperator: str
    TreatMissingData: str
    EvaluateLowSampleCountPercentile: str
    Metrics: list[dict[str, Any]]
    ThresholdMetricId: str
    # composite alarms
    AlarmRule: str
    ActionsSuppressor: str
    ActionsSuppressorWaitPeriod: int
    ActionsSuppressorExtensionPeriod: int
    ActionsSuppressedBy: str  # WaitPeriod, ExtensionPeriod or Alarm, while the suppressor holds actions back
    ActionsSuppressedReason: str
    PendingActionsAt: float  # the end of a wait period: the actions then run unless the suppressor alarms
    PendingOldState: str
    PreviousStateValue: str  # the state before the last transition (a suppressor's extension period reads it)
    # log alarms
    ScheduledQueryConfiguration: dict[str, Any]
    QueryResultsToEvaluate: int
    QueryResultsToAlarm: int
    ActionLogLineCount: int
    ActionLogLineRoleArn: str
    WarmUpConfiguration: dict[str, Any]
    ActionConfiguration: dict[str, Any]
    NextRunAt: float  # when the query runs next
    QueryResults: list[list[Any]]  # [run time, breached: True/False/None (no value)], the latest last
    # the evaluator's own: the last period end it evaluated
    EvaluatedUntil: float


class HistoryItem(TypedDict):
    AlarmName: str
    AlarmType: str
    Timestamp: float
    HistoryItemType: str  # ConfigurationUpdate, StateUpdate or Action
    HistorySummary: str
    HistoryData: str


class Dashboard(TypedDict):
    DashboardName: str
    DashboardArn: str
    DashboardBody: str
    LastModified: float
    Size: int


class AnomalyDetector(TypedDict, total=False):
    AnomalyDetectorId: str
    Namespace: str
    MetricName: str
    Dimensions: list[dict[str, str]]
    Stat: str
    Configuration: dict[str, Any]
    MetricCharacteristics: dict[str, Any]
    SingleMetricAnomalyDetector: dict[str, Any]
    MetricMathAnomalyDetector: dict[str, Any]
    StateValue: str


class MetricStream(TypedDict, total=False):
    Arn: str
    Name: str
    IncludeFilters: list[dict[str, Any]]
    ExcludeFilters: list[dict[str, Any]]
    FirehoseArn: str
    RoleArn: str
    State: str  # running or stopped
    CreationDate: float
    LastUpdateDate: float
    OutputFormat: str
    StatisticsConfigurations: list[dict[str, Any]]
    IncludeLinkedAccountsMetrics: bool
    DeliveredUntil: float  # datapoints before this time were sent (or predate the stream)


class InsightRule(TypedDict, total=False):
    Name: str
    State: str  # ENABLED or DISABLED
    Schema: str
    Definition: str
    ManagedRule: bool
    ResourceARN: str
    TemplateName: str
    ApplyOnTransformedLogs: bool


METRIC: DocumentKind[Metric] = DocumentKind("cloudwatch.metric")
ALARM: DocumentKind[Alarm] = DocumentKind("cloudwatch.alarm")
HISTORY: DocumentKind[HistoryItem] = DocumentKind("cloudwatch.history")
DASHBOARD: DocumentKind[Dashboard] = DocumentKind("cloudwatch.dashboard")
DETECTOR: DocumentKind[AnomalyDetector] = DocumentKind("cloudwatch.anomaly_detector")
STREAM: DocumentKind[MetricStream] = DocumentKind("cloudwatch.metric_stream")
INSIGHT_RULE: DocumentKind[InsightRule] = DocumentKind("cloudwatch.insight_rule")


class MuteRule(TypedDict, total=False):
    Name: str
    AlarmMuteRuleArn: str
    Description: str
    Rule: dict[str, Any]  # {"Schedule": {"Expression", "Duration", "Timezone"}}
    MuteTargets: dict[str, list[str]]  # {"AlarmNames": [...]}
    StartDate: float
    ExpireDate: float
    LastUpdatedTimestamp: float


MUTE_RULE: DocumentKind[MuteRule] = DocumentKind("cloudwatch.alarm_mute_rule")


class QueryDefinition(TypedDict):
    Id: str
    Arn: str
    Path: str
    Expression: str
    Type: str  # PROMQL, SQL or METRIC_MATH
    CreatedAt: float
    UpdatedAt: float


QUERY_DEFINITION: DocumentKind[QueryDefinition] = DocumentKind("cloudwatch.metric_data_query_definition")
