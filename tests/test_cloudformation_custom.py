"""Custom resources backed by an SNS topic: a real HTTP subscriber confirms its subscription, reads AWS's
request objects and answers on the presigned ResponseURL with ``requests.put``, as a provider on AWS does.
Create, Update, Delete, a FAILED answer that rolls back, no answer (the timeout on the virtual clock) and a
Lambda ServiceToken."""
from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from tests.support import error_of, settled_as_clock_moves, settled_stack, stack_events, stack_resources, unique

TEMPLATE = """
Parameters:
  Token: {Type: String}
  Size: {Type: Number, Default: 1}
Resources:
  Thing:
    Type: Custom::Thing
    Properties: {ServiceToken: !Ref Token, Size: !Ref Size, Flags: [true, 2], Name: thing}
Outputs:
  Answer: {Value: !GetAtt Thing.Answer}
  Id: {Value: !Ref Thing}
"""


class Provider:
    """The custom resource's provider: answers every request the topic delivers, as ``decide`` says."""

    def __init__(self, receiver, decide):
        self.receiver, self.decide, self.requests = receiver, decide, []
        self.seen, self.done = 0, threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while not self.done.is_set():
            notes = self.receiver.of_type("Notification")
            for note in notes[self.seen:]:
                request = json.loads(json.loads(note["body"])["Message"])
                self.requests.append(request)
                answer = self.decide(request)
                if answer is not None:
                    body = {"StackId": request["StackId"], "RequestId": request["RequestId"],
                            "LogicalResourceId": request["LogicalResourceId"], **answer}
                    reply = requests.put(request["ResponseURL"], data=json.dumps(body), timeout=10)
                    assert reply.status_code == 200, reply.text
            self.seen = len(notes)
            time.sleep(0.05)

    def kinds(self) -> list[str]:
        return [r["RequestType"] for r in self.requests]


@pytest.fixture
def topic(aws, receiver):
    """A topic with the receiver confirmed as its HTTP subscriber."""
    sns = aws("sns")
    arn = sns.create_topic(Name=unique("provider"))["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=receiver.url)
    confirmation = json.loads(receiver.wait_for(1, "SubscriptionConfirmation")[0]["body"])
    assert requests.get(confirmation["SubscribeURL"], timeout=10).status_code == 200
    return arn


@pytest.fixture
def provider(receiver):
    running = []

    def start(decide):
        running.append(Provider(receiver, decide))
        return running[-1]
    yield start
    for each in running:
        each.done.set()


def succeed(request):
    return {"Status": "SUCCESS", "PhysicalResourceId": "thing-1",
            "Data": {"Answer": f"{request['RequestType']}:{request['ResourceProperties']['Size']}"}}


def outputs(cf, name):
    return {o["OutputKey"]: o["OutputValue"] for o in settled_stack(cf, name)["Outputs"]}


def test_create_update_delete(aws, topic, provider):
    cf, name = aws("cloudformation"), unique("custom")
    answering = provider(succeed)
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Token", "ParameterValue": topic}])
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(cf, name) == {"Answer": "Create:1", "Id": "thing-1"}
    create = answering.requests[0]
    stack_id = settled_stack(cf, name)["StackId"]
    assert create["StackId"] == stack_id and create["LogicalResourceId"] == "Thing"
    assert create["ResourceType"] == "Custom::Thing" and "PhysicalResourceId" not in create
    # AWS hands the provider every scalar as a string.
    assert create["ResourceProperties"] == {"ServiceToken": topic, "Size": "1", "Flags": ["true", "2"], "Name": "thing"}
    assert create["ResponseURL"].startswith(aws("s3").meta.endpoint_url)
    assert "X-Amz-Signature=" in create["ResponseURL"]

    cf.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=[
        {"ParameterKey": "Token", "UsePreviousValue": True}, {"ParameterKey": "Size", "ParameterValue": "2"}])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(cf, name)["Answer"] == "Update:2"
    update = answering.requests[1]
    assert update["RequestType"] == "Update" and update["PhysicalResourceId"] == "thing-1"
    assert update["OldResourceProperties"]["Size"] == "1" and update["ResourceProperties"]["Size"] == "2"

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    delete = answering.requests[2]
    assert delete["RequestType"] == "Delete" and delete["PhysicalResourceId"] == "thing-1"
    assert answering.kinds() == ["Create", "Update", "Delete"]


def test_failed_answer_rolls_back(aws, topic, provider):
    cf, s3, name = aws("cloudformation"), aws("s3"), unique("custom")
    answering = provider(lambda request: {"Status": "FAILED" if request["RequestType"] == "Create" else "SUCCESS",
                                          "Reason": "the thing is broken", "PhysicalResourceId": "half-made"})
    template = {"Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Thing": {"Type": "AWS::CloudFormation::CustomResource", "DependsOn": "Bucket",
                  "Properties": {"ServiceToken": topic, "Bucket": {"Ref": "Bucket"}}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [e for e in stack_events(cf, name) if e[:2] == ("Thing", "CREATE_FAILED")]
    assert failed and failed[0][2].startswith("Received response status [FAILED] from custom resource. Message "
                                              "returned: the thing is broken (RequestId: ")
    bucket = [e for e in cf.describe_stack_events(StackName=name)["StackEvents"]
              if e["LogicalResourceId"] == "Bucket" and e.get("PhysicalResourceId")][0]["PhysicalResourceId"]
    assert error_of(s3.head_bucket, Bucket=bucket).status == 404  # nothing left behind
    # What the failed create named is sent a Delete by the rollback, as AWS does.
    assert [(r["RequestType"], r.get("PhysicalResourceId")) for r in answering.requests] == [
        ("Create", None), ("Delete", "half-made")]
    assert answering.requests[1]["ResourceProperties"]["Bucket"] == bucket


def test_no_answer_times_out_on_the_virtual_clock(aws, endpoint, topic, provider):
    cf, name = aws("cloudformation"), unique("custom")
    silent = provider(lambda request: None)
    template = {"Resources": {"Thing": {"Type": "Custom::Slow", "Properties": {"ServiceToken": topic,
                                                                               "ServiceTimeout": 120}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    deadline = time.monotonic() + 30
    while not silent.requests:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "CREATE_IN_PROGRESS"
    assert settled_as_clock_moves(cf, name, endpoint, 121)["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e[2] for e in stack_events(cf, name) if e[:2] == ("Thing", "CREATE_FAILED")]
    assert reasons[0].startswith("CloudFormation did not receive a response from your Custom Resource.")


def test_lambda_service_token_fails_clearly(aws):
    cf, name = aws("cloudformation"), unique("custom")
    token = "arn:aws:lambda:us-east-1:123456789012:function:provider"
    template = {"Resources": {"Thing": {"Type": "Custom::Fn", "Properties": {"ServiceToken": token}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e[2] for e in stack_events(cf, name) if e[:2] == ("Thing", "CREATE_FAILED")]
    assert reasons == [f"nimbus does not serve AWS Lambda: the custom resource's ServiceToken {token} cannot be "
                       "invoked (use an SNS topic)"]
    assert stack_resources(cf, name) == {}


def test_a_new_physical_id_on_update_replaces_the_resource(aws, topic, provider):
    cf, name = aws("cloudformation"), unique("custom")

    def renaming(request):
        new_id = "thing-2" if request["RequestType"] == "Update" else request.get("PhysicalResourceId", "thing-1")
        return {"Status": "SUCCESS", "PhysicalResourceId": new_id, "Data": {"Answer": request["RequestType"]}}
    answering = provider(renaming)
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Token", "ParameterValue": topic}])
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE"
    cf.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=[
        {"ParameterKey": "Token", "UsePreviousValue": True}, {"ParameterKey": "Size", "ParameterValue": "2"}])
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(cf, name) == {"Answer": "Update", "Id": "thing-2"}
    # The old physical resource is sent a Delete once the update is complete, as AWS does.
    assert [(r["RequestType"], r.get("PhysicalResourceId")) for r in answering.requests] == [
        ("Create", None), ("Update", "thing-1"), ("Delete", "thing-1")]


def test_an_oversized_answer_fails_the_resource(aws, topic, provider):
    cf, name = aws("cloudformation"), unique("custom")
    provider(lambda request: {"Status": "SUCCESS", "PhysicalResourceId": "big", "Data": {"Blob": "x" * 5000}})
    template = {"Resources": {"Thing": {"Type": "Custom::Big", "Properties": {"ServiceToken": topic}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert [e[2] for e in stack_events(cf, name) if e[:2] == ("Thing", "CREATE_FAILED")] == [
        "Response object is too long."]
