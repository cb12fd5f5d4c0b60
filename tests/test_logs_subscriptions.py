"""CloudWatch Logs subscription filters: to Kinesis, to Firehose (and on to S3), to another account's
destination; AWS's gzipped payloads, the two-filter limit, and delivery surviving kill -9."""
from __future__ import annotations

import gzip
import json
import os
import signal
import time

from tests.support import (
    account_key,
    active_delivery_stream,
    active_stream,
    advance_clock,
    error_of,
    group_with_stream,
    logs_role,
    make_client,
    objects,
    read_shard,
    s3_config,
    serve_subprocess,
    unique,
    virtual_now_ms,
)


def stream_arn(kinesis, name: str) -> str:
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def payloads(kinesis, name: str, count: int, deadline: float = 20.0) -> list[dict]:
    """The first ``count`` decoded payloads of a one-shard stream, waiting for them to arrive."""
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    until = time.monotonic() + deadline
    while True:
        decoded = [json.loads(gzip.decompress(r["Data"])) for r in read_shard(kinesis, name, shard)]
        if len(decoded) >= count or time.monotonic() > until:
            return decoded
        time.sleep(0.1)


def test_kinesis_subscription_delivers_matching_events_in_aws_format(aws, endpoint, account):
    logs, kinesis = aws("logs"), aws("kinesis")
    name = active_stream(kinesis, endpoint)
    group = group_with_stream(logs)
    role = logs_role(aws("iam"))
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                                 destinationArn=stream_arn(kinesis, name), roleArn=role)
    start = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": start, "message": "ERROR disk full"},
        {"timestamp": start + 1, "message": "INFO all good"},
        {"timestamp": start + 2, "message": "ERROR again"}])
    control, data = payloads(kinesis, name, 2)
    assert control["messageType"] == "CONTROL_MESSAGE" and control["owner"] == "CloudwatchLogs"
    assert control["logEvents"][0]["message"].startswith("CWL CONTROL MESSAGE: Checking health of destination")
    assert data["messageType"] == "DATA_MESSAGE" and data["owner"] == account
    assert (data["logGroup"], data["logStream"], data["subscriptionFilters"]) == (group, "app", ["errors"])
    assert [(e["timestamp"], e["message"]) for e in data["logEvents"]] == [
        (start, "ERROR disk full"), (start + 2, "ERROR again")]
    stored = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [e["id"] for e in data["logEvents"]] == [e["eventId"] for e in stored]
    described = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert [(f["filterName"], f["roleArn"], f["distribution"]) for f in described] == [("errors", role, "ByLogStream")]


def test_json_pattern_filter_two_filter_limit_and_deletion(aws, endpoint):
    logs, kinesis = aws("logs"), aws("kinesis")
    name = active_stream(kinesis, endpoint)
    arn, role = stream_arn(kinesis, name), logs_role(aws("iam"))
    group = group_with_stream(logs)
    for filter_name in ("a", "b"):
        logs.put_subscription_filter(logGroupName=group, filterName=filter_name, destinationArn=arn, roleArn=role,
                                     filterPattern='{ $.level = "error" && $.code >= 500 }')
    assert error_of(logs.put_subscription_filter, logGroupName=group, filterName="c", filterPattern="",
                    destinationArn=arn, roleArn=role) == ("LimitExceededException", 400)
    logs.put_subscription_filter(logGroupName=group, filterName="b", filterPattern="x", destinationArn=arn,
                                 roleArn=role, distribution="Random")  # an update, not a third filter
    logs.delete_subscription_filter(logGroupName=group, filterName="b")
    assert error_of(logs.delete_subscription_filter, logGroupName=group, filterName="b") == \
        ("ResourceNotFoundException", 400)
    start = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": start, "message": '{"level": "error", "code": 503}'},
        {"timestamp": start + 1, "message": '{"level": "error", "code": 404}'}])
    data = [p for p in payloads(kinesis, name, 4) if p["messageType"] == "DATA_MESSAGE"]
    assert [(p["subscriptionFilters"], [e["message"] for e in p["logEvents"]]) for p in data] == [
        (["a"], ['{"level": "error", "code": 503}'])]


def test_bad_destinations_and_roles_are_refused(aws, endpoint):
    logs, kinesis = aws("logs"), aws("kinesis")
    group = group_with_stream(logs)
    arn = stream_arn(kinesis, active_stream(kinesis, endpoint))
    untrusting = aws("iam").create_role(RoleName=unique("no-trust"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    put = logs.put_subscription_filter
    assert error_of(put, logGroupName=group, filterName="f", filterPattern="", destinationArn=arn,
                    roleArn=untrusting) == ("InvalidParameterException", 400)
    missing = arn.replace(arn.rsplit("/", 1)[1], unique("gone"))
    error = error_of(put, logGroupName=group, filterName="f", filterPattern="", destinationArn=missing,
                     roleArn=logs_role(aws("iam")))
    assert error == ("InvalidParameterException", 400)
    assert error.message.startswith("Could not deliver test message to specified Kinesis stream.")
    assert error_of(put, logGroupName=group, filterName="f", filterPattern="", destinationArn="arn:aws:sqs:x",
                    roleArn=untrusting) == ("InvalidParameterException", 400)
    assert error_of(put, logGroupName=group, filterName="f", filterPattern="{ $.a = ", destinationArn=arn,
                    roleArn=untrusting) == ("InvalidParameterException", 400)
    assert error_of(put, logGroupName=unique("none"), filterName="f", filterPattern="", destinationArn=arn,
                    roleArn=untrusting) == ("ResourceNotFoundException", 400)
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == []


def test_firehose_subscription_lands_in_s3(aws, client, endpoint, firehose, bucket, s3):
    logs = client("logs")
    name = active_delivery_stream(firehose, endpoint, DeliveryStreamType="DirectPut",
                                  ExtendedS3DestinationConfiguration=s3_config(
                                      bucket, Prefix="cwl/", BufferingHints={"IntervalInSeconds": 60}))
    arn = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["DeliveryStreamARN"]
    role = logs_role(client("iam"))
    group = group_with_stream(logs)
    logs.put_subscription_filter(logGroupName=group, filterName="all", filterPattern="", destinationArn=arn,
                                 roleArn=role)
    logs.put_log_events(logGroupName=group, logStreamName="app",
                        logEvents=[{"timestamp": virtual_now_ms(endpoint), "message": "to the lake"}])
    until = time.monotonic() + 20
    while not objects(s3, bucket, "cwl/") and time.monotonic() < until:
        advance_clock(endpoint, 61)
        time.sleep(0.2)
    body = b"".join(objects(s3, bucket, "cwl/").values())
    messages = []
    while body:  # concatenated gzip members, one per record
        decompressor = __import__("zlib").decompressobj(31)
        messages.append(json.loads(decompressor.decompress(body)))
        body = decompressor.unused_data
    data = [m for m in messages if m["messageType"] == "DATA_MESSAGE"]
    assert [e["message"] for m in data for e in m["logEvents"]] == ["to the lake"]


def test_cross_account_destination_needs_its_access_policy(client, endpoint):
    owner, sender = account_key(), account_key()
    kinesis = client("kinesis", key=owner)
    name = active_stream(kinesis, endpoint)
    destinations = client("logs", key=owner)
    role = logs_role(client("iam", key=owner))
    destination = destinations.put_destination(destinationName="central", targetArn=stream_arn(kinesis, name),
                                               roleArn=role)["destination"]
    assert destination["arn"] == f"arn:aws:logs:us-east-1:{owner}:destination:central"
    logs = client("logs", key=sender)
    group = group_with_stream(logs)
    subscribe = {"logGroupName": group, "filterName": "to-central", "filterPattern": "",
                 "destinationArn": destination["arn"]}
    assert error_of(logs.put_subscription_filter, **subscribe) == ("AccessDeniedException", 400)
    destinations.put_destination_policy(destinationName="central", accessPolicy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": sender},
                                                "Action": "logs:PutSubscriptionFilter",
                                                "Resource": destination["arn"]}]}))
    logs.put_subscription_filter(**subscribe)
    logs.put_log_events(logGroupName=group, logStreamName="app",
                        logEvents=[{"timestamp": virtual_now_ms(endpoint), "message": "hello from afar"}])
    data = [p for p in payloads(kinesis, name, 2) if p["messageType"] == "DATA_MESSAGE"]
    assert [(p["owner"], p["logEvents"][0]["message"]) for p in data] == [(sender, "hello from afar")]
    listed = destinations.describe_destinations(DestinationNamePrefix="cen")["destinations"]
    assert [(d["destinationName"], "accessPolicy" in d) for d in listed] == [("central", True)]
    destinations.delete_destination(destinationName="central")
    assert error_of(destinations.delete_destination, destinationName="central") == ("ResourceNotFoundException", 400)


def test_accepted_events_are_delivered_after_kill_9(tmp_path):
    from nimbus.server import free_port
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        logs, kinesis = make_client(endpoint, "logs"), make_client(endpoint, "kinesis")
        name = active_stream(kinesis, endpoint)
        arn = stream_arn(kinesis, name)
        group = group_with_stream(logs)
        logs.put_subscription_filter(logGroupName=group, filterName="f", filterPattern="", destinationArn=arn,
                                     roleArn=logs_role(make_client(endpoint, "iam")))
        kinesis.delete_stream(StreamName=name)  # deliveries fail from now on, and wait in the outbox
        advance_clock(endpoint, 5)
        logs.put_log_events(logGroupName=group, logStreamName="app",
                            logEvents=[{"timestamp": virtual_now_ms(endpoint), "message": "survivor"}])
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        kinesis = make_client(endpoint, "kinesis")
        kinesis.create_stream(StreamName=name, ShardCount=1)  # no Logs request: the forwarder resumes alone
        advance_clock(endpoint, 1)
        data = [p for p in payloads(kinesis, name, 1) if p["messageType"] == "DATA_MESSAGE"]
        assert [e["message"] for p in data for e in p["logEvents"]] == ["survivor"]
    finally:
        process.terminate()
        process.wait(timeout=10)
