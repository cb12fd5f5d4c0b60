"""AWS::CloudFront::RealtimeLogConfig: a stack's configuration that a distribution of the same stack names,
whose edge requests land in the Kinesis stream; updated in place, read back for drift, deleted with the stack."""
from __future__ import annotations

import json
import time

import pytest

from tests.support import (
    edge_request,
    error_of,
    public_origin_bucket,
    read_shard,
    realtime_log_stream,
    settled_stack,
    unique,
)

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


@pytest.fixture(scope="module")
def stream(client, endpoint) -> tuple[str, str, str]:
    return realtime_log_stream(client, endpoint, "cfn-rt")


def template(stream: tuple[str, str, str], bucket: str, rate: int) -> str:
    return json.dumps({"Resources": {
        "Logs": {"Type": "AWS::CloudFront::RealtimeLogConfig", "Properties": {
            "Name": {"Fn::Sub": "${AWS::StackName}-rt"}, "SamplingRate": rate, "Fields": ["cs-method", "cs-uri-stem"],
            "EndPoints": [{"StreamType": "Kinesis", "KinesisStreamConfig": {
                "RoleARN": stream[2], "StreamARN": stream[1]}}]}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True,
            "Origins": [{"Id": "site", "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {}}],
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": CACHING_DISABLED,
                                     "RealtimeLogConfigArn": {"Fn::GetAtt": ["Logs", "Arn"]}}}}}},
        "Outputs": {"Logs": {"Value": {"Ref": "Logs"}}, "Cdn": {"Value": {"Ref": "Cdn"}}}})


def test_a_stacks_realtime_log_config_receives_its_distributions_requests(client, endpoint, stream):
    cf, cloudfront, s3 = client("cloudformation"), client("cloudfront"), client("s3")
    bucket = public_origin_bucket(s3, "cfn-rt")
    s3.put_object(Bucket=bucket, Key="page", Body=b"page")
    name = unique("cfn-rt")
    stack_id = cf.create_stack(StackName=name, TemplateBody=template(stream, bucket, 100))["StackId"]
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["Logs"].endswith(f":realtime-log-config/{name}-rt")
    config = cloudfront.get_realtime_log_config(ARN=outputs["Logs"])["RealtimeLogConfig"]
    assert (config["SamplingRate"], config["Fields"]) == (100, ["cs-method", "cs-uri-stem"])

    distribution = cloudfront.get_distribution(Id=outputs["Cdn"])["Distribution"]
    edge_request(endpoint, distribution, "GET", "/page")
    deadline = time.monotonic() + 10
    while not (records := read_shard(client("kinesis"), stream[0], "shardId-000000000000")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert [r["Data"].decode() for r in records] == ["GET\t/page\n"]

    cf.update_stack(StackName=name, TemplateBody=template(stream, bucket, 25))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert cloudfront.get_realtime_log_config(ARN=outputs["Logs"])["RealtimeLogConfig"]["SamplingRate"] == 25
    drift = cf.detect_stack_resource_drift(StackName=name, LogicalResourceId="Logs")["StackResourceDrift"]
    assert drift["StackResourceDriftStatus"] == "IN_SYNC", drift

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id, timeout=120)["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(cloudfront.get_realtime_log_config, ARN=outputs["Logs"]) == ("NoSuchRealtimeLogConfig", 404)
