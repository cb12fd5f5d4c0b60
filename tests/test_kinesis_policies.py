"""Kinesis resource policies are evaluated: other accounts use a stream or consumer (by ARN) only as its policy
allows, within the account a policy's explicit deny binds, and PutResourcePolicy checks the document."""
from __future__ import annotations

import json

import pytest

from tests.support import advance_clock, error_of, make_client, read_shard, start_server, unique

OWNER, OTHER = "210000000001", "210000000002"
SHARD = "shardId-000000000000"
DENIED = ("AccessDeniedException", 400)


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _grant(principal, actions, resource: str, effect: str = "Allow") -> dict:
    return {"Effect": effect, "Principal": {"AWS": principal}, "Action": actions, "Resource": resource}


def _stream(kinesis, endpoint: str) -> tuple[str, str]:
    name = unique("shared")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    advance_clock(endpoint, 1)
    return name, kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


@pytest.fixture
def accounts(client):
    return client("kinesis", key=OWNER, secret="x"), client("kinesis", key=OTHER, secret="x")


def test_another_account_uses_a_stream_only_as_its_policy_allows(accounts, endpoint):
    owner, other = accounts
    name, arn = _stream(owner, endpoint)
    owner.put_record(StreamName=name, Data=b"from-owner", PartitionKey="k")
    assert error_of(other.put_record, StreamARN=arn, Data=b"x", PartitionKey="k") == DENIED
    assert error_of(other.list_shards, StreamARN=arn)[0] == "AccessDeniedException"
    assert error_of(other.describe_stream_summary, StreamARN=arn.replace(name, "no-such"))[0] == \
        "AccessDeniedException"  # another account's missing stream: denied, not "not found"

    owner.put_resource_policy(ResourceARN=arn, Policy=_policy(_grant(
        f"arn:aws:iam::{OTHER}:root", ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards",
                                       "kinesis:GetShardIterator", "kinesis:GetRecords",
                                       "kinesis:DescribeStreamSummary", "kinesis:DeleteStream"], arn)))
    assert other.put_record(StreamARN=arn, Data=b"from-other", PartitionKey="k")["ShardId"] == SHARD
    assert other.put_records(StreamARN=arn, Records=[{"Data": b"batch", "PartitionKey": "k"}])[
        "FailedRecordCount"] == 0
    assert [s["ShardId"] for s in other.list_shards(StreamARN=arn)["Shards"]] == [SHARD]
    assert other.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["StreamName"] == name
    iterator = other.get_shard_iterator(StreamARN=arn, ShardId=SHARD, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    page = other.get_records(ShardIterator=iterator)
    assert [r["Data"] for r in page["Records"]] == [b"from-owner", b"from-other", b"batch"]
    assert [r["Data"] for r in read_shard(owner, name, SHARD)] == [b"from-owner", b"from-other", b"batch"]
    # Not everything can be shared: the owner's administrative operations stay the owner's.
    assert error_of(other.delete_stream, StreamARN=arn)[0] == "AccessDeniedException"
    assert error_of(other.put_resource_policy, ResourceARN=arn, Policy=_policy(
        _grant(OTHER, "kinesis:*", arn)))[0] == "AccessDeniedException"
    assert error_of(other.get_resource_policy, ResourceARN=arn)[0] == "AccessDeniedException"
    assert error_of(other.describe_stream, StreamARN=arn)[0] == "AccessDeniedException"  # not granted
    # By name, a caller means a stream of its own account.
    assert error_of(other.put_record, StreamName=name, Data=b"x", PartitionKey="k")[0] == "ResourceNotFoundException"

    owner.delete_resource_policy(ResourceARN=arn)
    assert error_of(other.get_records, ShardIterator=page["NextShardIterator"])[0] == "AccessDeniedException"
    assert error_of(other.put_record, StreamARN=arn, Data=b"x", PartitionKey="k")[0] == "AccessDeniedException"
    assert owner.put_record(StreamName=name, Data=b"still", PartitionKey="k")["ShardId"] == SHARD


def test_an_explicit_deny_binds_the_owner_and_a_grant_to_an_account_id_works(accounts, endpoint):
    owner, other = accounts
    name, arn = _stream(owner, endpoint)
    owner.put_resource_policy(ResourceARN=arn, Policy=_policy(
        _grant("*", "kinesis:PutRecord", arn, effect="Deny"),
        _grant(OTHER, ["kinesis:GetShardIterator", "kinesis:PutRecords"], arn)))
    assert error_of(owner.put_record, StreamName=name, Data=b"x", PartitionKey="k")[0] == "AccessDeniedException"
    assert error_of(other.put_record, StreamARN=arn, Data=b"x", PartitionKey="k")[0] == "AccessDeniedException"
    assert owner.put_records(StreamName=name, Records=[{"Data": b"ok", "PartitionKey": "k"}])["FailedRecordCount"] == 0
    assert other.put_records(StreamARN=arn, Records=[{"Data": b"ok", "PartitionKey": "k"}])["FailedRecordCount"] == 0
    assert other.get_shard_iterator(StreamARN=arn, ShardId=SHARD, ShardIteratorType="LATEST")["ShardIterator"]
    assert json.loads(owner.get_resource_policy(ResourceARN=arn)["Policy"])["Statement"][0]["Effect"] == "Deny"


def test_consumers_follow_their_own_policy(accounts, endpoint):
    owner, other = accounts
    name, arn = _stream(owner, endpoint)
    consumer = owner.register_stream_consumer(StreamARN=arn, ConsumerName="reader")["Consumer"]["ConsumerARN"]
    advance_clock(endpoint, 1)
    owner.put_resource_policy(ResourceARN=arn, Policy=_policy(_grant(OTHER, "kinesis:*", arn)))
    # The stream's policy opens the stream, not its consumers.
    assert error_of(other.describe_stream_consumer, ConsumerARN=consumer)[0] == "AccessDeniedException"
    assert error_of(other.register_stream_consumer, StreamARN=arn, ConsumerName="mine")[0] == "AccessDeniedException"
    owner.put_resource_policy(ResourceARN=consumer, Policy=_policy(_grant(
        OTHER, ["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard"], consumer)))
    described = other.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]
    assert described["ConsumerName"] == "reader" and described["ConsumerStatus"] == "ACTIVE"
    owner.put_record(StreamName=name, Data=b"pushed", PartitionKey="k")
    events = other.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD,
                                      StartingPosition={"Type": "TRIM_HORIZON"})["EventStream"]
    try:
        for event in events:
            records = event["SubscribeToShardEvent"]["Records"]
            if records:
                assert records[0]["Data"] == b"pushed"
                break
    finally:
        events.close()
    assert error_of(other.deregister_stream_consumer, ConsumerARN=consumer)[0] == "AccessDeniedException"


@pytest.mark.parametrize("policy", [
    "{not json",
    json.dumps({"Version": "2012-10-17"}),
    json.dumps({"Statement": [{"Effect": "Allow", "Action": "kinesis:PutRecord", "Resource": "*"}]}),
    json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "not-an-account"},
                               "Action": "kinesis:PutRecord", "Resource": "*"}]}),
    json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"CanonicalUser": "abc"},
                               "Action": "kinesis:PutRecord", "Resource": "*"}]}),
    json.dumps({"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "kinesis:PutRecord",
                               "Resource": "*"}]}),
])
def test_put_resource_policy_rejects_malformed_documents(accounts, endpoint, policy):
    owner, _ = accounts
    name, arn = _stream(owner, endpoint)
    assert error_of(owner.put_resource_policy, ResourceARN=arn, Policy=policy) == ("InvalidArgumentException", 400)
    assert owner.get_resource_policy(ResourceARN=arn)["Policy"] == "{}"


def test_across_accounts_both_the_policy_and_the_callers_identity_policies_must_allow(tmp_path):
    with start_server(tmp_path, enforce_iam=True) as running:
        owner = make_client(running.endpoint, "kinesis", key=OWNER, secret="x")
        name, arn = _stream(owner, running.endpoint)
        iam = make_client(running.endpoint, "iam", key=OTHER, secret="x")
        user = unique("writer")
        user_arn = iam.create_user(UserName=user)["User"]["Arn"]
        key = iam.create_access_key(UserName=user)["AccessKey"]
        writer = make_client(running.endpoint, "kinesis", key=key["AccessKeyId"], secret=key["SecretAccessKey"])

        owner.put_resource_policy(ResourceARN=arn, Policy=_policy(_grant(OTHER, "kinesis:PutRecord", arn)))
        assert error_of(writer.put_record, StreamARN=arn, Data=b"x", PartitionKey="k")[0] == "AccessDeniedException"
        iam.put_user_policy(UserName=user, PolicyName="write", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kinesis:PutRecord", "Resource": arn}]}))
        assert writer.put_record(StreamARN=arn, Data=b"x", PartitionKey="k")["ShardId"] == SHARD
        # Naming the user alone in the policy still needs the user's own allow (removed here).
        owner.put_resource_policy(ResourceARN=arn, Policy=_policy(_grant(user_arn, "kinesis:PutRecord", arn)))
        assert writer.put_record(StreamARN=arn, Data=b"y", PartitionKey="k")["ShardId"] == SHARD
        iam.delete_user_policy(UserName=user, PolicyName="write")
        assert error_of(writer.put_record, StreamARN=arn, Data=b"z", PartitionKey="k")[0] == "AccessDeniedException"
        assert [r["Data"] for r in read_shard(owner, name, SHARD)] == [b"x", b"y"]

        # Within the owner's account, naming a user in the policy is enough: no identity policy needed.
        owner_iam = make_client(running.endpoint, "iam", key=OWNER, secret="x")
        local = unique("local")
        local_arn = owner_iam.create_user(UserName=local)["User"]["Arn"]
        local_key = owner_iam.create_access_key(UserName=local)["AccessKey"]
        colleague = make_client(running.endpoint, "kinesis", key=local_key["AccessKeyId"],
                                secret=local_key["SecretAccessKey"])
        assert error_of(colleague.put_record, StreamName=name, Data=b"l", PartitionKey="k")[0] == \
            "AccessDeniedException"
        owner.put_resource_policy(ResourceARN=arn, Policy=_policy(_grant(local_arn, "kinesis:PutRecord", arn)))
        assert colleague.put_record(StreamName=name, Data=b"l", PartitionKey="k")["ShardId"] == SHARD
        assert error_of(colleague.put_records, StreamName=name, Records=[{"Data": b"m", "PartitionKey": "k"}])[0] \
            == "AccessDeniedException"
