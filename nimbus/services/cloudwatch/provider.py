"""Amazon CloudWatch metrics and alarms (``monitoring``): the provider.

state.py (shared lookups), metric_data.py (PutMetricData), series.py and metric_store.py (datapoint
storage, rollup and retention), reads.py (GetMetricStatistics, ListMetrics), metric_query.py
(GetMetricData: queries.py, expressions.py and math_eval.py for metric math, insights.py for Metrics
Insights), alarms.py (alarms; log_alarms.py and log_alarm_eval.py for log alarms; alarm_checks.py, alarm_rule.py for composite rules, evaluator.py and
transitions.py for evaluation, state changes and SNS actions), history.py, anomaly.py (detectors),
dashboards.py, widgets.py (GetMetricWidgetImage: widget_image.py draws), streams.py (metric streams; stream_delivery.py sends to Firehose), insight_rules.py,
tagging.py; mute_rules.py (mute_schedule.py: when a rule mutes), query_definitions.py, telemetry_settings.py
(datasets, OTel enrichment, resource metrics configurations), contributors.py; background.py (published metrics, rollup, evaluation, stream delivery) starts with the server.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.cloudwatch.anomaly import AnomalyOps
from nimbus.services.cloudwatch.contributors import ContributorOps
from nimbus.services.cloudwatch.dashboards import DashboardOps
from nimbus.services.cloudwatch.history import HistoryOps
from nimbus.services.cloudwatch.insight_rules import InsightRuleOps
from nimbus.services.cloudwatch.log_alarms import LogAlarmOps
from nimbus.services.cloudwatch.metric_data import MetricDataOps
from nimbus.services.cloudwatch.metric_query import MetricQueryOps
from nimbus.services.cloudwatch.mute_rules import MuteRuleOps
from nimbus.services.cloudwatch.query_definitions import QueryDefinitionOps
from nimbus.services.cloudwatch.reads import ReadOps
from nimbus.services.cloudwatch.streams import StreamOps
from nimbus.services.cloudwatch.telemetry_settings import TelemetrySettingOps
from nimbus.services.cloudwatch.widgets import WidgetOps


class Provider(MetricDataOps, ReadOps, MetricQueryOps, LogAlarmOps, HistoryOps, DashboardOps, AnomalyOps, StreamOps,
               InsightRuleOps, WidgetOps, MuteRuleOps, QueryDefinitionOps, TelemetrySettingOps, ContributorOps):
    def resource_arns(self, ctx: RequestContext, operation: str, params: dict) -> list[str] | None:
        if params.get("ResourceARN") and operation.endswith(("TagResource", "TagsForResource")):
            return [params["ResourceARN"]]
        if operation in ("PutMetricAlarm", "PutCompositeAlarm", "PutLogAlarm", "SetAlarmState"):
            return [ctx.arn(f"alarm:{params['AlarmName']}")]
        if operation in ("DeleteAlarms", "EnableAlarmActions", "DisableAlarmActions"):
            return [ctx.arn(f"alarm:{name}") for name in params["AlarmNames"]]
        return None
