"""The checks nimbus adds to Trusted Advisor's (AWS has none like them): SNS topics, KMS keys and S3 buckets
against AWS's default quotas; idle Kinesis shards, unused KMS keys and idle EMR clusters, measured on the
virtual clock."""
from __future__ import annotations

import pytest

from tests.support import advance_clock, advisor_refreshed, emr_roles, unique, wait_cluster

SNS_TOPICS, KMS_KEYS, S3_BUCKETS = "nimbusSnsT", "nimbusKmsK", "nimbusS3Bk"
IDLE_SHARDS, UNUSED_KEYS, IDLE_CLUSTERS = "nimbusIdlS", "nimbusKmsU", "nimbusEmrI"
DAY = 86400


@pytest.fixture(scope="module")
def support(aws):
    return aws("support")


def _rows(found: dict, column: int) -> dict[str, dict]:
    return {row["metadata"][column]: row for row in found["flaggedResources"]}


def test_the_nimbus_checks_are_listed_and_named_as_nimbus_own(support):
    checks = {c["id"]: c for c in support.describe_trusted_advisor_checks(language="en")["checks"]}
    assert checks[SNS_TOPICS]["category"] == "service_limits" and checks[IDLE_SHARDS]["category"] == "cost_optimizing"
    assert all("AWS has none" in checks[i]["description"] for i in (SNS_TOPICS, KMS_KEYS, S3_BUCKETS, UNUSED_KEYS))


def test_topics_keys_and_buckets_count_against_aws_default_quotas(support, aws, endpoint):
    sns, kms, s3 = aws("sns"), aws("kms"), aws("s3")
    for _ in range(2):
        sns.create_topic(Name=unique("ta-topic"))
    kms.create_key()
    s3.create_bucket(Bucket=unique("ta-quota"))
    topics = _rows(advisor_refreshed(support, endpoint, SNS_TOPICS), 0)["us-east-1"]
    assert topics["metadata"] == ["us-east-1", "SNS", "Topics per region", "100000", "2", "Green"]
    keys = _rows(advisor_refreshed(support, endpoint, KMS_KEYS), 0)["us-east-1"]
    assert keys["metadata"][3:] == ["100000", "1", "Green"]
    [buckets] = advisor_refreshed(support, endpoint, S3_BUCKETS)["flaggedResources"]
    assert buckets["metadata"][:4] == ["-", "S3", "General purpose buckets", "10000"]
    assert int(buckets["metadata"][4]) >= 1


def test_a_shard_without_records_for_a_week_is_idle(support, aws, endpoint):
    kinesis = aws("kinesis")
    name = unique("ta-idle")
    kinesis.create_stream(StreamName=name, ShardCount=2)
    advance_clock(endpoint, 8 * DAY)
    kinesis.put_record(StreamName=name, Data=b"busy", PartitionKey="k", ExplicitHashKey="0")
    found = [row for row in advisor_refreshed(support, endpoint, IDLE_SHARDS)["flaggedResources"]
             if row["metadata"][2] == name]
    assert sorted((row["metadata"][3], row["metadata"][0]) for row in found) == [
        ("shardId-000000000000", "Green"), ("shardId-000000000001", "Yellow")]


def test_a_key_no_operation_used_for_a_month_is_unused(support, aws, endpoint):
    kms = aws("kms")
    used, idle = (kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2))
    advance_clock(endpoint, 31 * DAY)
    kms.encrypt(KeyId=used, Plaintext=b"still needed")
    rows = _rows(advisor_refreshed(support, endpoint, UNUSED_KEYS), 2)
    assert (rows[used]["metadata"][0], rows[idle]["metadata"][0]) == ("Green", "Yellow")


def test_a_cluster_waiting_an_hour_without_auto_termination_is_idle(support, aws, endpoint):
    emr = aws("emr")
    roles = emr_roles(aws("iam"))
    instances = {"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True}
    forgotten, guarded = (emr.run_job_flow(Name=name, ReleaseLabel="emr-7.5.0", Instances=instances, **roles,
                                           **extra)["JobFlowId"]
                          for name, extra in (("forgotten", {}),
                                              ("guarded", {"AutoTerminationPolicy": {"IdleTimeout": 86400}})))
    for cluster in (forgotten, guarded):
        wait_cluster(emr, cluster, ("WAITING",))
    advance_clock(endpoint, 2 * 3600)
    rows = _rows(advisor_refreshed(support, endpoint, IDLE_CLUSTERS), 2)
    assert (rows[forgotten]["metadata"][0], rows[guarded]["metadata"][0]) == ("Yellow", "Green")
    emr.terminate_job_flows(JobFlowIds=[forgotten, guarded])
