"""CloudFormation's AWS::SQS::Queue, QueuePolicy and QueueInlinePolicy through SQS's own API."""
import json
import time

from tests.support import settled_stack, stack_resources, unique


def template(visibility: int, with_policy: bool = True) -> dict:
    resources = {
        "Dead": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
        "Work": {"Type": "AWS::SQS::Queue", "Properties": {
            "FifoQueue": True, "ContentBasedDeduplication": True, "VisibilityTimeout": visibility,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]}, "maxReceiveCount": 3},
            "Tags": [{"Key": "team", "Value": "a"}]}},
        "Inline": {"Type": "AWS::SQS::QueueInlinePolicy", "Properties": {
            "Queue": {"Ref": "Dead"}, "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["Dead", "Arn"]}}]}}},
    }
    if with_policy:
        resources["Policy"] = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "Work"}], "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Work", "Arn"]}}]}}}
    return {"Resources": resources, "Outputs": {
        "Url": {"Value": {"Ref": "Work"}}, "Name": {"Value": {"Fn::GetAtt": ["Work", "QueueName"]}}}}


def test_queue_stack_lifecycle(aws):
    cf, sqs = aws("cloudformation"), aws("sqs")
    name = unique("queues")
    stack_id = cf.create_stack(StackName=name, TemplateBody=json.dumps(template(30)))["StackId"]
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    url = outputs["Url"]
    assert outputs["Name"].startswith(f"{name}-Work-") and outputs["Name"].endswith(".fifo")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "30" and attributes["ContentBasedDeduplication"] == "true"
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 3
    assert json.loads(attributes["Policy"])["Statement"][0]["Sid"] == "s3"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    dead = stack_resources(cf, name)["Dead"]
    assert "Policy" in sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["Policy"])["Attributes"]

    cf.update_stack(StackName=name, TemplateBody=json.dumps(template(60, with_policy=False)))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "60" and "Policy" not in attributes

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []) == []


def test_cloud_control_makes_lists_and_reads_queues(aws):
    cc, sqs, name = aws("cloudcontrol"), aws("sqs"), unique("cc-queue")
    started = cc.create_resource(TypeName="AWS::SQS::Queue", DesiredState=json.dumps(
        {"QueueName": name, "DelaySeconds": 5}))["ProgressEvent"]
    deadline = time.monotonic() + 30
    while (event := cc.get_resource_request_status(RequestToken=started["RequestToken"])["ProgressEvent"])[
            "OperationStatus"] in ("PENDING", "IN_PROGRESS"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert event["OperationStatus"] == "SUCCESS", event
    url = event["Identifier"]
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"].endswith(url.split("/", 3)[-1])
    assert url in [d["Identifier"] for d in cc.list_resources(TypeName="AWS::SQS::Queue")["ResourceDescriptions"]]
    described = json.loads(cc.get_resource(TypeName="AWS::SQS::Queue", Identifier=url)["ResourceDescription"][
        "Properties"])
    assert described["QueueName"] == name and described["DelaySeconds"] == 5
