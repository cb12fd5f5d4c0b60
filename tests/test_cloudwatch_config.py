"""AWS Config records CloudWatch metric alarms (AWS::CloudWatch::Alarm): created, updated and deleted, with
the SNS topics among their actions as related resources; CloudTrail records CloudWatch's calls."""
from __future__ import annotations

from tests.support import config_history, start_recording, unique


def test_config_records_metric_alarms(aws):
    start_recording(aws)
    cw, config, sns = aws("cloudwatch"), aws("config"), aws("sns")
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    name = unique("recorded")
    alarm = {"AlarmName": name, "Namespace": "Recorded", "MetricName": "Load", "Statistic": "Sum", "Period": 60,
             "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [topic]}
    cw.put_metric_alarm(**alarm, Threshold=1)
    cw.put_metric_alarm(**alarm, Threshold=5)
    latest = config_history(config, "AWS::CloudWatch::Alarm", name)[-1]
    assert latest["configuration"]["alarmName"] == name and latest["configuration"]["threshold"] == 5
    assert [(r["resourceType"], r["resourceId"]) for r in latest["relationships"]] == [("AWS::SNS::Topic", topic)]
    cw.delete_alarms(AlarmNames=[name])
    assert config_history(config, "AWS::CloudWatch::Alarm", name)[-1]["configurationItemStatus"] == "ResourceDeleted"


def test_cloudtrail_records_cloudwatch_calls(aws):
    cw, cloudtrail = aws("cloudwatch"), aws("cloudtrail")
    name = unique("traced")
    cw.put_metric_alarm(AlarmName=name, Namespace="Traced", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    events = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                         "AttributeValue": "PutMetricAlarm"}])["Events"]
    assert any(e["EventSource"] == "monitoring.amazonaws.com" and name in e["CloudTrailEvent"] for e in events)
