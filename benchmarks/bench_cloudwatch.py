"""CloudWatch metrics: boto3 calls/s for PutMetricData (one datapoint, and 1,000 metrics per call, counted in
datapoints/s), GetMetricStatistics and GetMetricData (two metric statistics and an expression over an hour of
minute data), nimbus vs moto."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from benchmarks.harness import rate, running

NAMESPACE = "Bench"
BATCH = 1000


def _measure(target, seconds: float) -> dict:
    cw = target.client("cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # An hour of minute data for two hosts, for the reads.
    for minute in range(60):
        cw.put_metric_data(Namespace=NAMESPACE, MetricData=[
            {"MetricName": "Latency", "Dimensions": [{"Name": "Host", "Value": host}], "Value": minute + offset,
             "Timestamp": now - timedelta(minutes=minute), "Unit": "Milliseconds"}
            for host, offset in (("a", 0), ("b", 10))])
    single = rate(lambda: cw.put_metric_data(Namespace=NAMESPACE, MetricData=[
        {"MetricName": "Requests", "Value": 1.0, "Unit": "Count"}]), seconds)
    batch = [{"MetricName": "Requests", "Dimensions": [{"Name": "Api", "Value": f"api{i}"}], "Value": float(i)}
             for i in range(BATCH)]
    batches = rate(lambda: cw.put_metric_data(Namespace=NAMESPACE, MetricData=batch), seconds, warmup=2)
    host_a = [{"Name": "Host", "Value": "a"}]
    statistics = rate(lambda: cw.get_metric_statistics(
        Namespace=NAMESPACE, MetricName="Latency", Dimensions=host_a, StartTime=now - timedelta(hours=1),
        EndTime=now, Period=60, Statistics=["Average", "Maximum", "SampleCount"]), seconds)

    def stat(query_id: str, host: str) -> dict:
        return {"Id": query_id, "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": "Latency",
                                                          "Dimensions": [{"Name": "Host", "Value": host}]},
                                               "Period": 60, "Stat": "Average"}}
    queries = [stat("a", "a"), stat("b", "b"), {"Id": "total", "Expression": "a + b"}]
    data = rate(lambda: cw.get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(hours=1),
                                           EndTime=now), seconds)
    return {"server": target.name, "put_metric_data_calls_s": single,
            "put_metric_data_1000_datapoints_s": batches * BATCH, "get_metric_statistics_calls_s": statistics,
            "get_metric_data_calls_s": data}


def run(seconds: float = 3.0) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            rows.append(_measure(target, seconds))
    return rows
