"""CloudWatch's other resources: dashboards (body validation and its messages), anomaly detectors and an
anomaly-band alarm, metric streams delivering to Firehose and on to S3, insight rules and managed rules."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from tests.support import (
    advance_clock,
    error_of,
    flush,
    new_bucket,
    objects,
    unique,
    virtual_now,
)

WIDGET = {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
          "properties": {"metrics": [["AWS/EC2", "CPUUtilization"]], "region": "us-east-1"}}
STREAM_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "streams.metrics.cloudwatch.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def test_dashboards(cw, account):
    name = unique("board")
    body = json.dumps({"widgets": [WIDGET]})
    assert cw.put_dashboard(DashboardName=name, DashboardBody=body)["DashboardValidationMessages"] == []
    got = cw.get_dashboard(DashboardName=name)
    assert got["DashboardBody"] == body and got["DashboardArn"] == f"arn:aws:cloudwatch::{account}:dashboard/{name}"
    [entry] = cw.list_dashboards(DashboardNamePrefix=name)["DashboardEntries"]
    assert entry["Size"] == len(body)
    bad = error_of(cw.put_dashboard, DashboardName=name, DashboardBody=json.dumps({"widgets": [
        {"type": "chart", "x": 30, "properties": {}}]}))
    assert bad == ("InvalidParameterInput", 400)
    assert error_of(cw.put_dashboard, DashboardName=name, DashboardBody="not json") == ("InvalidParameterInput", 400)
    cw.delete_dashboards(DashboardNames=[name])
    assert error_of(cw.get_dashboard, DashboardName=name) == ("ResourceNotFound", 404)
    assert error_of(cw.delete_dashboards, DashboardNames=[name]) == ("ResourceNotFound", 404)


def test_dashboard_validation_messages_name_the_paths(cw):
    with pytest.raises(ClientError) as refused:
        cw.put_dashboard(DashboardName=unique("b"), DashboardBody=json.dumps({"widgets": [{"x": 30}]}))
    paths = [m["DataPath"] for m in refused.value.response.get("dashboardValidationMessages", [])]
    assert paths == ["/widgets/0/type", "/widgets/0/x"]


def test_anomaly_detector_band_alarm(cw, endpoint):
    namespace, name = unique("Band"), unique("band-alarm")
    metric = {"Namespace": namespace, "MetricName": "Latency", "Dimensions": [], "Stat": "Average"}
    detector = cw.put_anomaly_detector(SingleMetricAnomalyDetector=metric)["AnomalyDetectorId"]
    [described] = cw.describe_anomaly_detectors(Namespace=namespace)["AnomalyDetectors"]
    assert described["AnomalyDetectorId"] == detector and described["StateValue"] == "TRAINED"
    now = virtual_now(endpoint)
    cw.put_metric_data(Namespace=namespace, MetricData=[  # a steady history around 100
        {"MetricName": "Latency", "Value": 100 + (i % 3), "Timestamp": now - timedelta(minutes=30 + i)}
        for i in range(60)])
    cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, ComparisonOperator="GreaterThanUpperThreshold",
                        ThresholdMetricId="band", Metrics=[
                            {"Id": "m", "ReturnData": True, "MetricStat": {"Metric": {
                                "Namespace": namespace, "MetricName": "Latency"}, "Period": 60, "Stat": "Average"}},
                            {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m, 2)"}])
    now = virtual_now(endpoint)  # the spike in the minute the alarm evaluates next, however slow the machine
    cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Latency", "Value": 500, "Timestamp": now}])
    advance_clock(endpoint, 60 - now.second)
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"] == "ALARM"
    cw.delete_anomaly_detector(SingleMetricAnomalyDetector=metric)
    assert cw.describe_anomaly_detectors(Namespace=namespace)["AnomalyDetectors"] == []
    assert error_of(cw.delete_anomaly_detector, AnomalyDetectorId=detector) == ("ResourceNotFoundException", 404)


def test_metric_stream_delivers_to_firehose(aws, cw, endpoint, account):
    iam, s3, firehose = aws("iam"), aws("s3"), aws("firehose")
    firehose_role = iam.create_role(RoleName=unique("fh"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    stream_role = iam.create_role(RoleName=unique("ms"), AssumeRolePolicyDocument=STREAM_TRUST)["Role"]["Arn"]
    bucket = new_bucket(s3)
    hose = unique("hose")
    hose_arn = firehose.create_delivery_stream(DeliveryStreamName=hose, ExtendedS3DestinationConfiguration={
        "RoleARN": firehose_role, "BucketARN": f"arn:aws:s3:::{bucket}"})["DeliveryStreamARN"]
    advance_clock(endpoint, 1)
    namespace, name = unique("Streamed"), unique("stream")
    arn = cw.put_metric_stream(Name=name, FirehoseArn=hose_arn, RoleArn=stream_role, OutputFormat="json",
                               IncludeFilters=[{"Namespace": namespace}])["Arn"]
    assert arn == f"arn:aws:cloudwatch:us-east-1:{account}:metric-stream/{name}"
    assert cw.get_metric_stream(Name=name)["State"] == "running"
    cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Orders", "Value": 7},
                                                        {"MetricName": "Orders", "Value": 3}])
    cw.put_metric_data(Namespace=unique("Other"), MetricData=[{"MetricName": "Orders", "Value": 1}])
    advance_clock(endpoint, 120)
    flush(endpoint)
    lines = [json.loads(line) for body in objects(s3, bucket).values() for line in body.decode().splitlines()]
    assert [(r["namespace"], r["metric_name"], r["value"]["sum"], r["value"]["count"]) for r in lines] == [
        (namespace, "Orders", 10.0, 2.0)]
    assert lines[0]["metric_stream_name"] == name and lines[0]["account_id"] == account
    cw.stop_metric_streams(Names=[name])
    assert [e["State"] for e in cw.list_metric_streams()["Entries"] if e["Name"] == name] == ["stopped"]
    cw.delete_metric_stream(Name=name)
    assert error_of(cw.get_metric_stream, Name=name) == ("ResourceNotFoundException", 404)
    untrusted = iam.create_role(RoleName=unique("no"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    assert error_of(cw.put_metric_stream, Name=name, FirehoseArn=hose_arn, RoleArn=untrusted,
                    OutputFormat="json") == ("InvalidParameterValue", 400)
    assert error_of(cw.put_metric_stream, Name=name, FirehoseArn="not-an-arn", RoleArn=stream_role,
                    OutputFormat="json") == ("InvalidParameterValue", 400)


def test_insight_rules_are_stored(cw):
    name = unique("rule")
    definition = json.dumps({"Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogGroupNames": ["app"],
                             "LogFormat": "JSON", "Contribution": {"Keys": ["$.ip"]}, "AggregateOn": "Count"})
    cw.put_insight_rule(RuleName=name, RuleDefinition=definition)
    assert [r["State"] for r in cw.describe_insight_rules()["InsightRules"] if r["Name"] == name] == ["ENABLED"]
    assert cw.disable_insight_rules(RuleNames=[name, "missing"])["Failures"][0]["FailureResource"] == "missing"
    assert [r["State"] for r in cw.describe_insight_rules()["InsightRules"] if r["Name"] == name] == ["DISABLED"]
    assert error_of(cw.put_insight_rule, RuleName=unique("bad"), RuleDefinition="{}") == ("InvalidParameterValue", 400)
    cw.delete_insight_rules(RuleNames=[name])
    assert [r for r in cw.describe_insight_rules()["InsightRules"] if r["Name"] == name] == []
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/t"
    assert cw.put_managed_insight_rules(ManagedRules=[
        {"TemplateName": "DynamoDBContributorInsights-PKThrottle", "ResourceARN": table}])["Failures"] == []
    assert [r["TemplateName"] for r in cw.list_managed_insight_rules(ResourceARN=table)["ManagedRules"]] == [
        "DynamoDBContributorInsights-PKThrottle"]
