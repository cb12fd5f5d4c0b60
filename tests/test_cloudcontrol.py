"""The Cloud Control API through boto3: resources made, read, patched, listed and deleted through
CloudFormation's handlers, seen through their own service's API; resource requests and their errors."""
from __future__ import annotations

import json
import time

from tests.support import advance_clock, error_of, make_client, start_server, unique


def settled(cc, token: str, timeout: float = 30.0) -> dict:
    """The request's ProgressEvent once it has ended."""
    deadline = time.monotonic() + timeout
    while True:
        event = cc.get_resource_request_status(RequestToken=token)["ProgressEvent"]
        if event["OperationStatus"] not in ("PENDING", "IN_PROGRESS"):
            return event
        assert time.monotonic() < deadline, event
        time.sleep(0.05)


def test_parameter_lifecycle(aws):
    cc, ssm, name = aws("cloudcontrol"), aws("ssm"), unique("cc-param")
    started = cc.create_resource(TypeName="AWS::SSM::Parameter",
                                 DesiredState=json.dumps({"Name": name, "Type": "String", "Value": "one"}))["ProgressEvent"]
    assert started["Operation"] == "CREATE" and started["OperationStatus"] == "IN_PROGRESS"
    done = settled(cc, started["RequestToken"])
    assert done["OperationStatus"] == "SUCCESS" and done["Identifier"] == name
    assert json.loads(done["ResourceModel"])["Value"] == "one"
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "one"  # real, seen by its own API

    ssm.put_parameter(Name=name, Value="changed outside", Overwrite=True)
    described = cc.get_resource(TypeName="AWS::SSM::Parameter", Identifier=name)["ResourceDescription"]
    assert described["Identifier"] == name
    assert json.loads(described["Properties"])["Value"] == "changed outside"  # the live resource, read back

    patch = [{"op": "replace", "path": "/Value", "value": "two"}, {"op": "add", "path": "/Description", "value": "d"}]
    updated = cc.update_resource(TypeName="AWS::SSM::Parameter", Identifier=name,
                                 PatchDocument=json.dumps(patch))["ProgressEvent"]
    assert settled(cc, updated["RequestToken"])["OperationStatus"] == "SUCCESS"
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "two"
    assert ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"][0][
        "Description"] == "d"

    listed = cc.list_resources(TypeName="AWS::SSM::Parameter")["ResourceDescriptions"]
    assert name in [d["Identifier"] for d in listed]

    deleted = cc.delete_resource(TypeName="AWS::SSM::Parameter", Identifier=name)["ProgressEvent"]
    assert settled(cc, deleted["RequestToken"])["OperationStatus"] == "SUCCESS"
    assert error_of(ssm.get_parameter, Name=name).code == "ParameterNotFound"
    missing = error_of(cc.get_resource, TypeName="AWS::SSM::Parameter", Identifier=name)
    assert missing == ("ResourceNotFoundException", 404)
    assert missing.message == f"Resource of type 'AWS::SSM::Parameter' with identifier '{name}' was not found."

    requests = cc.list_resource_requests(ResourceRequestStatusFilter={"Operations": ["CREATE", "DELETE"]})
    tokens = [r["RequestToken"] for r in requests["ResourceRequestStatusSummaries"]]
    assert deleted["RequestToken"] in tokens and started["RequestToken"] in tokens
    assert updated["RequestToken"] not in tokens


def test_create_only_patch_and_model_validation_fail(aws):
    cc, name = aws("cloudcontrol"), unique("cc-param")
    done = settled(cc, cc.create_resource(TypeName="AWS::SSM::Parameter", DesiredState=json.dumps(
        {"Name": name, "Type": "String", "Value": "v"}))["ProgressEvent"]["RequestToken"])
    assert done["OperationStatus"] == "SUCCESS"
    renamed = cc.update_resource(TypeName="AWS::SSM::Parameter", Identifier=name, PatchDocument=json.dumps(
        [{"op": "replace", "path": "/Name", "value": "other"}]))["ProgressEvent"]
    failed = settled(cc, renamed["RequestToken"])
    assert failed["OperationStatus"] == "FAILED" and failed["ErrorCode"] == "NotUpdatable"
    assert "/properties/Name" in failed["StatusMessage"]

    bad = cc.create_resource(TypeName="AWS::SSM::Parameter", DesiredState=json.dumps({"Type": "String", "Value": "v",
                                                                                      "Colour": "red"}))
    failed = settled(cc, bad["ProgressEvent"]["RequestToken"])
    assert (failed["ErrorCode"], failed["StatusMessage"]) == (
        "InvalidRequest", "Model validation failed (#: extraneous key [Colour] is not permitted)")

    broken = error_of(cc.update_resource, TypeName="AWS::SSM::Parameter", Identifier=name,
                      PatchDocument=json.dumps([{"op": "remove", "path": "/Nope"}]))
    assert broken == ("InvalidRequestException", 400)


def test_owning_service_errors_and_unknown_types(aws):
    cc, name = aws("cloudcontrol"), unique("cc-param")
    aws("ssm").put_parameter(Name=name, Type="String", Value="taken")
    clash = cc.create_resource(TypeName="AWS::SSM::Parameter",
                               DesiredState=json.dumps({"Name": name, "Type": "String", "Value": "v"}))
    failed = settled(cc, clash["ProgressEvent"]["RequestToken"])
    assert failed["OperationStatus"] == "FAILED" and failed["ErrorCode"] == "AlreadyExists"

    unknown = error_of(cc.get_resource, TypeName="AWS::Nope::Thing", Identifier="x")
    assert unknown == ("TypeNotFoundException", 404)
    # A type AWS defines whose reads nimbus cannot make yet, and one nimbus does not serve at all.
    assert error_of(cc.get_resource, TypeName="AWS::IAM::Policy", Identifier="x").code == "UnsupportedActionException"
    assert error_of(cc.create_resource, TypeName="AWS::EC2::VPC", DesiredState="{}").code == \
        "UnsupportedActionException"
    assert error_of(cc.create_resource, TypeName="AWS::SSM::Parameter",
                    DesiredState="{not json").code == "InvalidRequestException"
    assert error_of(cc.get_resource_request_status, RequestToken="nope").code == "RequestTokenNotFoundException"


def test_client_token_and_cancel(aws):
    cc, name = aws("cloudcontrol"), unique("cc-param")
    state = json.dumps({"Name": name, "Type": "String", "Value": "v"})
    first = cc.create_resource(TypeName="AWS::SSM::Parameter", DesiredState=state, ClientToken="token-1")
    again = cc.create_resource(TypeName="AWS::SSM::Parameter", DesiredState=state, ClientToken="token-1")
    assert again["ProgressEvent"]["RequestToken"] == first["ProgressEvent"]["RequestToken"]
    conflict = error_of(cc.create_resource, TypeName="AWS::SSM::Parameter", DesiredState=json.dumps(
        {"Name": name + "x", "Type": "String", "Value": "v"}), ClientToken="token-1")
    assert conflict.code == "ClientTokenConflictException"
    token = first["ProgressEvent"]["RequestToken"]
    assert settled(cc, token)["OperationStatus"] == "SUCCESS"
    assert error_of(cc.cancel_resource_request, RequestToken=token).code == "ConcurrentModificationException"


def test_requests_and_resources_survive_a_restart(tmp_path):
    state = json.dumps({"Name": "durable", "Type": "String", "Value": "kept"})
    with start_server(tmp_path) as first:
        cc = make_client(first.endpoint, "cloudcontrol")
        token = cc.create_resource(TypeName="AWS::SSM::Parameter", DesiredState=state)["ProgressEvent"]["RequestToken"]
        assert settled(cc, token)["OperationStatus"] == "SUCCESS"
    with start_server(tmp_path) as second:
        cc = make_client(second.endpoint, "cloudcontrol")
        assert cc.get_resource_request_status(RequestToken=token)["ProgressEvent"]["Identifier"] == "durable"
        deleted = cc.delete_resource(TypeName="AWS::SSM::Parameter", Identifier="durable")["ProgressEvent"]
        assert settled(cc, deleted["RequestToken"])["OperationStatus"] == "SUCCESS"
        assert error_of(make_client(second.endpoint, "ssm").get_parameter, Name="durable").code == "ParameterNotFound"


def test_iam_actions_are_cloudformations(tmp_path):
    """Cloud Control's IAM actions are cloudformation:*, as AWS names them, not the signing name's."""
    with start_server(tmp_path, enforce_iam=True) as own:
        iam = make_client(own.endpoint, "iam")
        iam.create_user(UserName="operator")
        iam.put_user_policy(UserName="operator", PolicyName="requests", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "cloudformation:ListResourceRequests", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="operator")["AccessKey"]
        cc = make_client(own.endpoint, "cloudcontrol", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        assert cc.list_resource_requests()["ResourceRequestStatusSummaries"] == []
        denied = error_of(cc.get_resource, TypeName="AWS::SSM::Parameter", Identifier="x")
        assert denied.code == "AccessDeniedException"
        assert "cloudformation:GetResource" in denied.message


def test_cancel_a_request_under_way(tmp_path):
    """A Kinesis stream is CREATING for a while on the virtual clock: its request can be cancelled meanwhile,
    and what the handler then finishes does not overwrite the cancellation."""
    with start_server(tmp_path, kinesis_transition_seconds=600) as own:
        cc = make_client(own.endpoint, "cloudcontrol")
        token = cc.create_resource(TypeName="AWS::Kinesis::Stream", DesiredState=json.dumps(
            {"Name": "slow", "ShardCount": 1}))["ProgressEvent"]["RequestToken"]
        cancelled = cc.cancel_resource_request(RequestToken=token)["ProgressEvent"]
        assert cancelled["OperationStatus"] == "CANCEL_COMPLETE"
        kinesis = make_client(own.endpoint, "kinesis")
        deadline = time.monotonic() + 30
        while "slow" not in kinesis.list_streams()["StreamNames"]:  # the handler has made it, CREATING
            assert time.monotonic() < deadline
            time.sleep(0.05)
        advance_clock(own.endpoint, 601)
        while kinesis.describe_stream_summary(StreamName="slow")["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.5)  # the handler sees ACTIVE within its own poll
        assert cc.get_resource_request_status(RequestToken=token)["ProgressEvent"]["OperationStatus"] == \
            "CANCEL_COMPLETE"
        assert [r["OperationStatus"] for r in cc.list_resource_requests()["ResourceRequestStatusSummaries"]] == [
            "CANCEL_COMPLETE"]


def test_list_and_read_resources_made_elsewhere(aws):
    """Resources made through their own APIs are listed and read through Cloud Control as they are."""
    cc, bucket, topic_name = aws("cloudcontrol"), unique("cc-bucket"), unique("cc-topic")
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    topic = aws("sns").create_topic(Name=topic_name)["TopicArn"]
    buckets = cc.list_resources(TypeName="AWS::S3::Bucket")["ResourceDescriptions"]
    assert bucket in [d["Identifier"] for d in buckets]
    described = cc.get_resource(TypeName="AWS::S3::Bucket", Identifier=bucket)["ResourceDescription"]
    assert json.loads(described["Properties"])["VersioningConfiguration"] == {"Status": "Enabled"}
    topics = cc.list_resources(TypeName="AWS::SNS::Topic", MaxResults=100)["ResourceDescriptions"]
    assert topic in [d["Identifier"] for d in topics]
    assert error_of(cc.list_resources, TypeName="AWS::SNS::Subscription").code == "UnsupportedActionException"
