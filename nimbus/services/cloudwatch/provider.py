"""Amazon CloudWatch metrics and alarms (``monitoring``): the provider.

state.py (shared lookups), metric_data.py (PutMetricData), series.py and metric_store.py (datapoint
storage, rollup and retention), reads.py (GetMetricStatistics, ListMetrics), metric_query.py
(GetMetricData: queries.py, expressions.py and math_eval.py for metric math, insights.py for Metrics
Insights), alarms.py (alarms; alarm_checks.py, alarm_rule.py for composite rules, evaluator.py and
transitions.py for evaluation, state changes and SNS actions), history.py, tagging.py; background.py
(published metrics, rollup, evaluation) starts with the server.
"""
from __future__ import annotations

from nimbus.services.cloudwatch.alarms import AlarmOps
from nimbus.services.cloudwatch.history import HistoryOps
from nimbus.services.cloudwatch.metric_data import MetricDataOps
from nimbus.services.cloudwatch.metric_query import MetricQueryOps
from nimbus.services.cloudwatch.reads import ReadOps


class Provider(MetricDataOps, ReadOps, MetricQueryOps, AlarmOps, HistoryOps):
    pass
