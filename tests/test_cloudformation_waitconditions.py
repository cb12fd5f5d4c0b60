"""WaitConditionHandle and WaitCondition: signalled with curl on the handle's presigned URL exactly as AWS
documents it; Count, Data as GetAtt, a FAILURE signal and the Timeout (on the virtual clock) fail the stack."""
from __future__ import annotations

import json
import subprocess
import time

from tests.support import (
    error_of,
    make_client,
    root_client,
    settled_as_clock_moves,
    settled_stack,
    stack_events,
    start_server,
    unique,
)

TEMPLATE = """
Parameters:
  Count: {Type: Number, Default: 2}
Resources:
  Handle: {Type: AWS::CloudFormation::WaitConditionHandle}
  Ready:
    Type: AWS::CloudFormation::WaitCondition
    Properties: {Handle: !Ref Handle, Timeout: "300", Count: !Ref Count}
  After:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: !GetAtt Ready.Data}
Outputs:
  Data: {Value: !GetAtt Ready.Data}
"""


def handle_url(cf, name: str) -> str:
    """The handle's URL (its physical id) once it is made."""
    deadline = time.monotonic() + 30
    while True:
        for resource in cf.describe_stack_resources(StackName=name)["StackResources"]:
            if resource["LogicalResourceId"] == "Handle" and resource["ResourceStatus"] == "CREATE_COMPLETE":
                return resource["PhysicalResourceId"]
        assert time.monotonic() < deadline
        time.sleep(0.05)


def signal(url: str, status: str, unique_id: str, data: str = "", reason: str = "") -> None:
    body = json.dumps({"Status": status, "Reason": reason, "UniqueId": unique_id, "Data": data})
    done = subprocess.run(["curl", "-sS", "-f", "-X", "PUT", "-H", "Content-Type:", "--data-binary", body, url],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def still_waiting(cf, name: str) -> bool:
    time.sleep(0.5)
    return cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "CREATE_IN_PROGRESS"


def test_count_signals_and_data(aws):
    cf, name = aws("cloudformation"), unique("wait")
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE)
    url = handle_url(cf, name)
    signal(url, "SUCCESS", "first", "one")
    assert still_waiting(cf, name)  # Count is 2
    signal(url, "SUCCESS", "first", "one again")  # the same UniqueId counts once
    assert still_waiting(cf, name)
    signal(url, "SUCCESS", "second", "two")
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert json.loads(stack["Outputs"][0]["OutputValue"]) == {"first": "one again", "second": "two"}
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"


def test_failure_signal_fails_the_stack(aws):
    cf, name = aws("cloudformation"), unique("wait")
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE)
    signal(handle_url(cf, name), "FAILURE", "setup", reason="disk full")
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e[2] for e in stack_events(cf, name) if e[:2] == ("Ready", "CREATE_FAILED")]
    assert reasons == ["WaitCondition received failed message: 'disk full' for uniqueId: setup"]


def test_timeout_on_the_virtual_clock(aws, endpoint):
    cf, name = aws("cloudformation"), unique("wait")
    cf.create_stack(StackName=name, TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Count", "ParameterValue": "3"}])
    signal(handle_url(cf, name), "SUCCESS", "only")
    assert still_waiting(cf, name)
    assert settled_as_clock_moves(cf, name, endpoint, 301)["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e[2] for e in stack_events(cf, name) if e[:2] == ("Ready", "CREATE_FAILED")]
    assert reasons == ["WaitCondition timed out. Received 1 conditions when expecting 3"]


def test_a_foreign_url_is_no_handle(aws):
    cf, name = aws("cloudformation"), unique("wait")
    template = {"Resources": {"Ready": {"Type": "AWS::CloudFormation::WaitCondition", "Properties": {
        "Handle": "https://example.com/somewhere/else", "Timeout": "10"}}}}
    cf.create_stack(StackName=name, TemplateBody=json.dumps(template))
    assert settled_stack(cf, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e[2] for e in stack_events(cf, name) if e[:2] == ("Ready", "CREATE_FAILED")]
    assert reasons == ["Invalid wait condition handle: https://example.com/somewhere/else"]


POLICY_TEMPLATE = """
Resources:
  Ready:
    Type: AWS::CloudFormation::WaitCondition
    CreationPolicy: {ResourceSignal: {Count: 2, Timeout: PT10M}}
Outputs:
  Data: {Value: !GetAtt Ready.Data}
"""


def creating(cf, name: str, logical_id: str) -> None:
    """Wait until the resource is CREATE_IN_PROGRESS (only then may it be signalled)."""
    deadline = time.monotonic() + 30
    while not any(r["LogicalResourceId"] == logical_id and r["ResourceStatus"] == "CREATE_IN_PROGRESS"
                  for r in cf.describe_stack_resources(StackName=name)["StackResources"]):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_creation_policy_and_signal_resource(aws):
    cf, name = aws("cloudformation"), unique("wait")
    cf.create_stack(StackName=name, TemplateBody=POLICY_TEMPLATE)
    creating(cf, name, "Ready")
    cf.signal_resource(StackName=name, LogicalResourceId="Ready", UniqueId="i-1", Status="SUCCESS")
    assert still_waiting(cf, name)
    cf.signal_resource(StackName=name, LogicalResourceId="Ready", UniqueId="i-2", Status="SUCCESS")
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert json.loads(stack["Outputs"][0]["OutputValue"]) == {"i-1": None, "i-2": None}
    late = error_of(cf.signal_resource, StackName=name, LogicalResourceId="Ready", UniqueId="i-3", Status="SUCCESS")
    assert (late.code, late.message) == ("ValidationError",
                                         "Resource Ready is in CREATE_COMPLETE state and can not be signaled")
    assert error_of(cf.signal_resource, StackName=name, LogicalResourceId="Nope", UniqueId="i",
                    Status="SUCCESS").code == "ValidationError"


def test_creation_policy_failure_and_timeout(aws, endpoint):
    cf, failing, slow = aws("cloudformation"), unique("wait"), unique("wait")
    cf.create_stack(StackName=failing, TemplateBody=POLICY_TEMPLATE)
    cf.create_stack(StackName=slow, TemplateBody=POLICY_TEMPLATE)
    creating(cf, failing, "Ready")
    cf.signal_resource(StackName=failing, LogicalResourceId="Ready", UniqueId="i-9", Status="FAILURE")
    assert settled_stack(cf, failing)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert [e[2] for e in stack_events(cf, failing) if e[:2] == ("Ready", "CREATE_FAILED")] == [
        "Received FAILURE signal with UniqueId i-9"]
    creating(cf, slow, "Ready")
    assert settled_as_clock_moves(cf, slow, endpoint, 601)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert [e[2] for e in stack_events(cf, slow) if e[:2] == ("Ready", "CREATE_FAILED")] == [
        "Failed to receive 2 resource signal(s) within the specified duration"]


def test_signal_urls_under_strict_auth(tmp_path):
    """The handle's URL is signed with CloudFormation's own key, which nimbus knows under --strict-auth; that
    account is no one else's to use."""
    with start_server(tmp_path, strict_auth=True) as own:
        cf = root_client(own, "cloudformation")
        cf.create_stack(StackName="strict", TemplateBody=TEMPLATE, Parameters=[
            {"ParameterKey": "Count", "ParameterValue": "1"}])
        url = handle_url(cf, "strict")
        assert url.startswith(own.endpoint)
        signal(url, "SUCCESS", "only", "done")
        assert settled_stack(cf, "strict")["StackStatus"] == "CREATE_COMPLETE"
        outsider = make_client(own.endpoint, "s3", key="999999999999")
        assert error_of(outsider.list_objects_v2, Bucket="cloudformation-waitcondition-us-east-1").code == \
            "InvalidAccessKeyId"
