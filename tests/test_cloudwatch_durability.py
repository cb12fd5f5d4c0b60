"""CloudWatch's state survives kill -9: acknowledged datapoints, an alarm and its state and history, and
the alarm goes on being evaluated after the restart."""
from __future__ import annotations

from datetime import timedelta

from nimbus.server import free_port
from tests.support import advance_clock, kill_9, make_client, serve_subprocess, virtual_now


def test_metrics_and_alarms_survive_kill_9(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "data")
    process = serve_subprocess(data_dir, port)
    try:
        cw = make_client(endpoint, "cloudwatch")
        cw.put_metric_alarm(AlarmName="durable", Namespace="Durable", MetricName="Load", Statistic="Maximum",
                            Period=60, EvaluationPeriods=5, DatapointsToAlarm=1, Threshold=10, ComparisonOperator="GreaterThanThreshold")
        cw.put_metric_data(Namespace="Durable", MetricData=[{"MetricName": "Load", "Values": [5, 50],
                                                             "Counts": [1, 2]}])
        cw.set_alarm_state(AlarmName="durable", StateValue="OK", StateReason="before the crash")
    finally:
        kill_9(process)
    process = serve_subprocess(data_dir, port)
    try:
        cw = make_client(endpoint, "cloudwatch")
        now = virtual_now(endpoint)
        [point] = cw.get_metric_statistics(Namespace="Durable", MetricName="Load", StartTime=now - timedelta(hours=1),
                                           EndTime=now + timedelta(minutes=1), Period=3600,
                                           Statistics=["SampleCount", "Maximum"])["Datapoints"]
        assert (point["SampleCount"], point["Maximum"]) == (3, 50)
        alarm = cw.describe_alarms(AlarmNames=["durable"])["MetricAlarms"][0]
        assert (alarm["StateValue"], alarm["StateReason"]) == ("OK", "before the crash")
        advance_clock(endpoint, 60)
        assert cw.describe_alarms(AlarmNames=["durable"])["MetricAlarms"][0]["StateValue"] == "ALARM"
        kinds = [i["HistoryItemType"] for i in cw.describe_alarm_history(AlarmName="durable")["AlarmHistoryItems"]]
        assert kinds.count("StateUpdate") == 2 and "ConfigurationUpdate" in kinds
    finally:
        kill_9(process)
