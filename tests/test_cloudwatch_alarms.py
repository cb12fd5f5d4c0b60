"""CloudWatch alarms: a metric alarm going INSUFFICIENT_DATA → OK → ALARM on the virtual clock and notifying
an SNS topic that delivers to an HTTP endpoint; M out of N; missing data; composite alarms; SetAlarmState;
history; describe filters and errors."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import (
    advance_clock,
    aws_cli,
    aws_cli_error,
    body,
    error_of,
    send_signed,
    unique,
    virtual_now,
)


@pytest.fixture(scope="module")
def cw(aws):
    return aws("cloudwatch")


def put(cw, namespace, value, name="Load", dims=()):
    cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": name, "Value": value,
                                                         "Dimensions": list(dims)}])


def alarm_of(cw, name):
    found = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return (found["MetricAlarms"] + found["CompositeAlarms"])[0]


def early_in_a_minute(endpoint) -> None:
    """Move the virtual clock to two seconds into a minute, so the steps of a test that follow (each moving it a
    minute on) put their datapoints in the minute an alarm evaluates next, however slowly the machine runs."""
    now = virtual_now(endpoint)
    advance_clock(endpoint, (62 - now.second) % 60 or 60)


def confirm(sns, topic, receiver):
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    confirmation = body(receiver.wait_for(1, "SubscriptionConfirmation")[-1])
    assert requests.get(confirmation["SubscribeURL"], timeout=5).status_code == 200


def test_metric_alarm_goes_to_alarm_and_notifies_sns(aws, cw, endpoint, receiver, account):
    sns, namespace, name = aws("sns"), unique("Alarmed"), unique("high-load")
    topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
    confirm(sns, topic, receiver)
    dims = [{"Name": "Host", "Value": "web-1"}]
    cw.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName="Load", Dimensions=dims,
                        Statistic="Average", Period=60, EvaluationPeriods=2, DatapointsToAlarm=2, Threshold=50,
                        ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic], OKActions=[topic],
                        AlarmDescription="too busy")
    first = alarm_of(cw, name)
    assert (first["StateValue"], first["StateReason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    assert first["AlarmArn"] == f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{name}"

    early_in_a_minute(endpoint)
    put(cw, namespace, 20, dims=dims)
    advance_clock(endpoint, 60)
    assert alarm_of(cw, name)["StateValue"] == "OK"
    ok = json.loads(body(receiver.wait_for(1, "Notification")[0])["Message"])
    assert (ok["OldStateValue"], ok["NewStateValue"]) == ("INSUFFICIENT_DATA", "OK")

    put(cw, namespace, 80, dims=dims)
    advance_clock(endpoint, 60)
    assert alarm_of(cw, name)["StateValue"] == "OK"  # 1 of 2 breaching: DatapointsToAlarm is 2
    put(cw, namespace, 90, dims=dims)
    advance_clock(endpoint, 60)
    state = alarm_of(cw, name)
    assert state["StateValue"] == "ALARM"
    assert state["StateReason"].startswith("Threshold Crossed: 2 out of the last 2 datapoints [90.0")
    data = json.loads(state["StateReasonData"])
    assert data["recentDatapoints"] == [90.0, 80.0] and data["threshold"] == 50.0 and data["period"] == 60

    note = body(receiver.wait_for(2, "Notification")[1])
    assert note["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
    message = json.loads(note["Message"])
    assert (message["AlarmName"], message["NewStateValue"], message["OldStateValue"]) == (name, "ALARM", "OK")
    assert message["AlarmDescription"] == "too busy" and message["AWSAccountId"] == account
    assert message["Trigger"]["MetricName"] == "Load" and message["Trigger"]["Statistic"] == "AVERAGE"
    assert message["Trigger"]["Dimensions"] == [{"value": "web-1", "name": "Host"}]

    history = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    kinds = [item["HistoryItemType"] for item in history]
    assert kinds.count("StateUpdate") == 2 and kinds.count("Action") == 2 and "ConfigurationUpdate" in kinds
    update = next(i for i in history if i["HistoryItemType"] == "StateUpdate")
    assert update["HistorySummary"] == "Alarm updated from OK to ALARM"
    assert json.loads(update["HistoryData"])["newState"]["stateValue"] == "ALARM"
    assert [a["AlarmName"] for a in cw.describe_alarms_for_metric(
        Namespace=namespace, MetricName="Load", Dimensions=dims)["MetricAlarms"]] == [name]
    assert [a["AlarmName"] for a in cw.describe_alarms(StateValue="ALARM", AlarmNamePrefix=name)["MetricAlarms"]] == [
        name]


@pytest.mark.parametrize(("treat", "expected"), [("breaching", "ALARM"), ("notBreaching", "OK"),
                                                 ("missing", "INSUFFICIENT_DATA"), ("ignore", "INSUFFICIENT_DATA")])
def test_missing_data_treatment(cw, endpoint, treat, expected):
    name = unique(f"quiet-{treat}")
    cw.put_metric_alarm(AlarmName=name, Namespace=unique("Silent"), MetricName="Load", Statistic="Sum", Period=60,
                        EvaluationPeriods=3, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData=treat)
    advance_clock(endpoint, 60)
    assert alarm_of(cw, name)["StateValue"] == expected


def test_composite_alarm_follows_its_rule(cw, endpoint):
    namespace = unique("Composite")
    cpu, disk, parent = unique("cpu"), unique("disk"), unique("service")
    for alarm in (cpu, disk):
        cw.put_metric_alarm(AlarmName=alarm, Namespace=namespace, MetricName=alarm, Statistic="Maximum",
                            Period=60, EvaluationPeriods=1, Threshold=10,
                            ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching")
    cw.put_composite_alarm(AlarmName=parent, AlarmRule=f'ALARM("{cpu}") AND NOT OK({disk}) OR FALSE')
    early_in_a_minute(endpoint)
    put(cw, namespace, 50, name=cpu)
    advance_clock(endpoint, 60)
    assert alarm_of(cw, parent)["StateValue"] == "OK"  # the disk is OK
    put(cw, namespace, 50, name=cpu)
    put(cw, namespace, 50, name=disk)
    advance_clock(endpoint, 60)
    composite = alarm_of(cw, parent)
    assert composite["StateValue"] == "ALARM"
    assert {t["arn"].rsplit(":", 1)[1] for t in json.loads(composite["StateReasonData"])["triggeringAlarms"]} == {
        cpu, disk}
    children = cw.describe_alarms(ChildrenOfAlarmName=parent)["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in children) == sorted([cpu, disk])
    parents = cw.describe_alarms(ParentsOfAlarmName=cpu)["CompositeAlarms"]
    assert [a["AlarmName"] for a in parents] == [parent]
    assert error_of(cw.put_composite_alarm, AlarmName=unique("bad"), AlarmRule="ALARM(a) AND") == (
        "InvalidParameterValue", 400)


def test_set_alarm_state_history_actions_and_delete(cw, endpoint):
    name = unique("manual")
    cw.put_metric_alarm(AlarmName=name, Namespace="Manual", MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                        Tags=[{"Key": "team", "Value": "ops"}])
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing",
                       StateReasonData=json.dumps({"why": "drill"}))
    alarm = alarm_of(cw, name)
    assert (alarm["StateValue"], alarm["StateReason"]) == ("ALARM", "testing")
    cw.disable_alarm_actions(AlarmNames=[name])
    assert alarm_of(cw, name)["ActionsEnabled"] is False
    arn = alarm["AlarmArn"]
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "ops"}]
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    assert error_of(cw.set_alarm_state, AlarmName=unique("none"), StateValue="OK", StateReason="x") == (
        "ResourceNotFound", 404)
    assert error_of(cw.set_alarm_state, AlarmName=name, StateValue="OK", StateReason="x",
                    StateReasonData="{not json") == ("InvalidFormat", 400)
    cw.delete_alarms(AlarmNames=[name])
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []
    assert error_of(cw.list_tags_for_resource, ResourceARN=arn) == ("ResourceNotFoundException", 404)


def test_put_metric_alarm_errors(cw):
    base = {"AlarmName": unique("bad"), "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold"}
    assert error_of(cw.put_metric_alarm, **base, Namespace="N", MetricName="M", Statistic="Sum",
                    ExtendedStatistic="p99", Period=60, Threshold=1) == ("InvalidParameterCombination", 400)
    assert error_of(cw.put_metric_alarm, **base, Namespace="N", MetricName="M", Statistic="Sum", Period=45,
                    Threshold=1) == ("InvalidParameterValue", 400)
    assert error_of(cw.put_metric_alarm, **base, Namespace="N", MetricName="M", Statistic="Sum", Period=60) == (
        "MissingParameter", 400)
    assert error_of(cw.put_metric_alarm, **{**base, "EvaluationPeriods": 1}, Namespace="N", MetricName="M",
                    Statistic="Sum", Period=60, Threshold=1, DatapointsToAlarm=2) == ("ValidationError", 400)


def test_alarms_through_the_cli_and_the_json_protocol(endpoint):
    """The AWS CLI (JSON 1.0 in query mode) and a plain JSON 1.0 client: the same alarms, query-era error codes."""
    name = unique("cli-alarm")
    aws_cli(endpoint, "cloudwatch", "put-metric-alarm", "--alarm-name", name, "--namespace", "Cli",
            "--metric-name", "Load", "--statistic", "Average", "--period", "60", "--evaluation-periods", "2",
            "--threshold", "70", "--comparison-operator", "GreaterThanThreshold",
            "--dimensions", "Name=Host,Value=a", "--alarm-actions", "arn:aws:sns:us-east-1:000000000000:none",
            # with no data an evaluation in between (every 10 real seconds) would undo the state set by hand
            "--treat-missing-data", "ignore")
    aws_cli(endpoint, "cloudwatch", "set-alarm-state", "--alarm-name", name, "--state-value", "ALARM",
            "--state-reason", "by hand")
    [alarm] = aws_cli(endpoint, "cloudwatch", "describe-alarms", "--alarm-names", name)["MetricAlarms"]
    assert (alarm["StateValue"], alarm["Threshold"], alarm["Dimensions"]) == (
        "ALARM", 70.0, [{"Name": "Host", "Value": "a"}])
    failed = [i for i in aws_cli(endpoint, "cloudwatch", "describe-alarm-history", "--alarm-name", name)[
        "AlarmHistoryItems"] if i["HistoryItemType"] == "Action"]
    assert failed and failed[0]["HistorySummary"].startswith("Failed to execute action")
    assert "ResourceNotFound" in aws_cli_error(endpoint, "cloudwatch", "set-alarm-state", "--alarm-name",
                                               unique("none"), "--state-value", "OK", "--state-reason", "x")

    target = {"Content-Type": "application/x-amz-json-1.0"}
    answer = send_signed(endpoint, "monitoring", json.dumps({"AlarmNames": [name]}),
                         {**target, "X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"})
    assert answer.status_code == 200 and answer.json()["MetricAlarms"][0]["AlarmName"] == name
    refused = send_signed(endpoint, "monitoring", json.dumps({"Namespace": "AWS/EC2", "MetricData": [
        {"MetricName": "M", "Value": 1}]}), {**target, "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData"})
    assert refused.status_code == 400
    assert refused.headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"


def test_metric_math_alarm_with_a_bad_expression_is_refused(cw):
    metric = {"Id": "m", "ReturnData": False, "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M"},
                                                             "Period": 60, "Stat": "Sum"}}
    assert error_of(cw.put_metric_alarm, AlarmName=unique("bad-math"), EvaluationPeriods=1, Threshold=1,
                    ComparisonOperator="GreaterThanThreshold",
                    Metrics=[metric, {"Id": "e", "Expression": "m +"}]) == ("ValidationError", 400)


def test_set_alarm_state_on_a_composite_holds_until_a_child_changes(cw, endpoint):
    child, parent = unique("child"), unique("parent")
    cw.put_metric_alarm(AlarmName=child, Namespace=unique("Held"), MetricName="M", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData="notBreaching")
    cw.put_composite_alarm(AlarmName=parent, AlarmRule=f"ALARM({child})")
    advance_clock(endpoint, 60)
    assert alarm_of(cw, parent)["StateValue"] == "OK"
    cw.set_alarm_state(AlarmName=parent, StateValue="ALARM", StateReason="drill")
    advance_clock(endpoint, 60)
    assert (alarm_of(cw, parent)["StateValue"], alarm_of(cw, parent)["StateReason"]) == ("ALARM", "drill")
    cw.set_alarm_state(AlarmName=child, StateValue="OK", StateReason="child moved")  # no change of state
    cw.set_alarm_state(AlarmName=child, StateValue="ALARM", StateReason="child moved")
    advance_clock(endpoint, 1)
    cw.set_alarm_state(AlarmName=child, StateValue="OK", StateReason="back")
    advance_clock(endpoint, 1)
    assert alarm_of(cw, parent)["StateValue"] == "OK"
