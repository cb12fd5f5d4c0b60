"""PutMetricAlarm's checks: which members go together, as CloudWatch refuses them."""
from __future__ import annotations

from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import combination, invalid, missing
from nimbus.services.cloudwatch.expressions import parse
from nimbus.services.cloudwatch.queries import validate
from nimbus.services.cloudwatch.reads import check_period
from nimbus.services.cloudwatch.statistics import is_extended

BAND_OPERATORS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
MAX_EVALUATED_SECONDS = 7 * 86400


def _validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


def check_metric_alarm(params: dict[str, Any]) -> None:
    metrics = params.get("Metrics")
    if metrics and params.get("MetricName"):
        raise combination("The parameters MetricName and Metrics are mutually exclusive and you have "
                          "specified both.")
    if not metrics and not params.get("MetricName"):
        raise _validation("One of MetricName or Metrics must be specified.")
    if metrics:
        for name in ("Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"):
            if params.get(name) is not None:
                raise combination(f"The parameters {name} and Metrics are mutually exclusive and you have "
                                  "specified both.")
        validate(metrics)
        for query in metrics:
            if "Expression" in query and not query["Expression"].lstrip().upper().startswith("SELECT"):
                parse(query["Expression"])
        returned = [m for m in metrics if m.get("ReturnData", True)]
        if len(returned) != 1 and not params.get("ThresholdMetricId"):
            raise _validation("Exactly one element of the metrics list should return data.")
    else:
        if params.get("Statistic") and params.get("ExtendedStatistic"):
            raise combination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you "
                              "have specified both.")
        if not params.get("Statistic") and not params.get("ExtendedStatistic"):
            raise missing("Statistic")
        if params.get("ExtendedStatistic") and not is_extended(params["ExtendedStatistic"]):
            raise invalid(f"The value {params['ExtendedStatistic']} for parameter ExtendedStatistic is invalid.")
        if params.get("Period") is None:
            raise missing("Period")
        if params.get("Namespace") is None:
            raise missing("Namespace")
        check_period(params["Period"])
        if params["Period"] * params["EvaluationPeriods"] > MAX_EVALUATED_SECONDS:
            raise _validation("The evaluation period multiplied by the number of evaluation periods must be "
                              "less than or equal to 604800 seconds.")
    operator = params.get("ComparisonOperator")
    if operator is None:
        raise missing("ComparisonOperator")
    if operator in BAND_OPERATORS:
        if not params.get("ThresholdMetricId"):
            raise _validation("ComparisonOperators for ranges require ThresholdMetricId to be set")
    elif params.get("ThresholdMetricId"):
        raise _validation("ThresholdMetricId is only supported with anomaly detection comparison operators.")
    elif params.get("Threshold") is None:
        raise missing("Threshold")
    to_alarm = params.get("DatapointsToAlarm")
    if to_alarm is not None and to_alarm > params["EvaluationPeriods"]:
        raise _validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
    treat = params.get("TreatMissingData")
    if treat is not None and treat not in ("breaching", "notBreaching", "ignore", "missing"):
        raise _validation(f"The value {treat} for parameter TreatMissingData is invalid.")
    low = params.get("EvaluateLowSampleCountPercentile")
    if low is not None and low not in ("evaluate", "ignore"):
        raise _validation(f"The value {low} for parameter EvaluateLowSampleCountPercentile is invalid.")
