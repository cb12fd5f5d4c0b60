"""AWS::Logs::SubscriptionFilter, AWS::Logs::MetricFilter and AWS::Logs::Destination in CloudFormation stacks."""
from __future__ import annotations

import json

from tests.support import error_of, settled_stack, stack_resources, unique

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def template(pattern: str) -> dict:
    return {"Resources": {
        "Group": {"Type": "AWS::Logs::LogGroup"},
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Subscription": {"Type": "AWS::Logs::SubscriptionFilter", "Properties": {
            "LogGroupName": {"Ref": "Group"}, "FilterPattern": pattern,
            "DestinationArn": {"Fn::GetAtt": ["Stream", "Arn"]}, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Errors": {"Type": "AWS::Logs::MetricFilter", "Properties": {
            "LogGroupName": {"Ref": "Group"}, "FilterPattern": pattern, "MetricTransformations": [{
                "MetricName": "Errors", "MetricNamespace": "App", "MetricValue": "1", "DefaultValue": 0}]}},
        "Central": {"Type": "AWS::Logs::Destination", "Properties": {
            "DestinationName": unique("central"), "TargetArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}, "DestinationPolicy": json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                                        "Action": "logs:PutSubscriptionFilter", "Resource": "*"}]})}},
    }, "Outputs": {"DestinationArn": {"Value": {"Fn::GetAtt": ["Central", "Arn"]}}}}


def test_filters_and_destination_are_made_updated_and_deleted(aws, account):
    cf, logs = aws("cloudformation"), aws("logs")
    name = unique("logs-filters")
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(template("ERROR")),
                               Capabilities=["CAPABILITY_IAM"])["StackId"]
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    made = stack_resources(cf, name)
    group = made["Group"]
    subscription = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert [(f["filterName"], f["filterPattern"]) for f in subscription] == [(made["Subscription"], "ERROR")]
    metric = logs.describe_metric_filters(logGroupName=group)["metricFilters"]
    assert [(f["filterName"], f["metricTransformations"][0]["defaultValue"]) for f in metric] == [(made["Errors"], 0)]
    destination = logs.describe_destinations(DestinationNamePrefix=made["Central"])["destinations"][0]
    assert stack["Outputs"][0]["OutputValue"] == destination["arn"] == \
        f"arn:aws:logs:us-east-1:{account}:destination:{made['Central']}"
    assert "111122223333" in destination["accessPolicy"]

    cf.update_stack(StackName=name, TemplateBody=json.dumps(template("WARN")), Capabilities=["CAPABILITY_IAM"])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"][0]["filterPattern"] == "WARN"
    assert logs.describe_metric_filters(logGroupName=group)["metricFilters"][0]["filterPattern"] == "WARN"

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(logs.describe_subscription_filters, logGroupName=group) == ("ResourceNotFoundException", 400)
    assert logs.describe_destinations(DestinationNamePrefix=made["Central"])["destinations"] == []
