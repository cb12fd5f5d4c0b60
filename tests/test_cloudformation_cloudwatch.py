"""CloudFormation's CloudWatch types: a metric alarm, a composite alarm naming it, a dashboard and an anomaly
detector made, updated in place and deleted through CloudWatch's own API; GetAtt Arn."""
from __future__ import annotations

import json

from tests.support import settled_stack, stack_resources, unique


def template(threshold: str, title: str) -> dict:
    return {"Resources": {
        "High": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "Stacked", "MetricName": "Load", "Statistic": "Average", "Period": "60",
            "EvaluationPeriods": "2", "Threshold": threshold, "ComparisonOperator": "GreaterThanThreshold",
            "Dimensions": [{"Name": "Host", "Value": "a"}], "Tags": [{"Key": "team", "Value": "ops"}]}},
        "Either": {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": {
            "AlarmName": {"Fn::Sub": "${AWS::StackName}-either"},
            "AlarmRule": {"Fn::Sub": "ALARM(${High}) OR FALSE"}}},
        "Board": {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardBody": json.dumps({"widgets": [
            {"type": "text", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {"markdown": title}}]})}},
        "Detector": {"Type": "AWS::CloudWatch::AnomalyDetector", "Properties": {
            "Namespace": "Stacked", "MetricName": "Load", "Stat": "Average"}}},
        "Outputs": {"AlarmArn": {"Value": {"Fn::GetAtt": ["High", "Arn"]}}}}


def test_alarms_dashboard_and_detector(aws, account):
    cf, cw = aws("cloudformation"), aws("cloudwatch")
    name = unique("watch")
    stack = cf.create_stack(StackName=name, TemplateBody=json.dumps(template("50", "# v1")))
    done = settled_stack(cf, name)
    assert done["StackStatus"] == "CREATE_COMPLETE", done.get("StackStatusReason")
    made = stack_resources(cf, name)
    alarm = cw.describe_alarms(AlarmNames=[made["High"]])["MetricAlarms"][0]
    assert alarm["Threshold"] == 50 and alarm["Period"] == 60
    assert done["Outputs"][0]["OutputValue"] == f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{made['High']}"
    assert cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"] == [{"Key": "team", "Value": "ops"}]
    composite = cw.describe_alarms(AlarmNames=[f"{name}-either"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert composite[0]["AlarmRule"] == f"ALARM({made['High']}) OR FALSE"
    assert "# v1" in cw.get_dashboard(DashboardName=made["Board"])["DashboardBody"]
    assert [d["AnomalyDetectorId"] for d in cw.describe_anomaly_detectors(Namespace="Stacked")["AnomalyDetectors"]] \
        == [made["Detector"]]

    cf.update_stack(StackName=name, TemplateBody=json.dumps(template("75", "# v2")))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert cw.describe_alarms(AlarmNames=[made["High"]])["MetricAlarms"][0]["Threshold"] == 75
    assert "# v2" in cw.get_dashboard(DashboardName=made["Board"])["DashboardBody"]

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    gone = cw.describe_alarms(AlarmNames=[made["High"], f"{name}-either"],
                              AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert gone["MetricAlarms"] == [] and gone["CompositeAlarms"] == []
    assert cw.list_dashboards(DashboardNamePrefix=made["Board"])["DashboardEntries"] == []
    assert cw.describe_anomaly_detectors(Namespace="Stacked")["AnomalyDetectors"] == []
