"""Checks AWS's Trusted Advisor has no counterpart for, which nimbus adds because its users ask for them:
service limits on SNS topics, S3 buckets and KMS keys against AWS's default quotas, idle Kinesis shards,
unused KMS keys and idle EMR clusters. Their ids start with ``nimbus`` (AWS's are ten letters and digits) so that nothing mistakes
them for AWS's checks; they read the account through the internal client like every other check."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from .catalog import COST_OPTIMIZING, Check, register
from .limits import GLOBAL_REGION, limit_check, limit_row, regional
from .reader import COLOUR, REGIONS, AccountReader, Outcome, Row, Status
from .storage import buckets

DAY = 86400.0
SNS_TOPICS, KMS_KEYS, S3_BUCKETS = 100_000, 100_000, 10_000  # AWS's default quotas
IDLE_SHARD_DAYS, UNUSED_KEY_DAYS = 7, 30
IDLE_CLUSTER_SECONDS = 3600.0
# What "using" a key means: the cryptographic operations, as CloudTrail names them.
KEY_USES = frozenset(("Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                      "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "Sign", "Verify", "GenerateMac",
                      "VerifyMac", "DeriveSharedSecret"))


def _topics(reader: AccountReader, region: str) -> tuple[int, int]:
    count = sum(1 for _ in reader.pages("sns", "ListTopics", "Topics", {}, region, token=("NextToken", "NextToken")))
    return count, SNS_TOPICS


def _customer_keys(reader: AccountReader, region: str) -> Iterator[dict]:
    for key in reader.pages("kms", "ListKeys", "Keys", {}, region, token=("Marker", "NextMarker")):
        metadata = reader.call("kms", "DescribeKey", {"KeyId": key["KeyArn"]}, region)["KeyMetadata"]
        if metadata.get("KeyManager") == "CUSTOMER":
            yield metadata


def _keys(reader: AccountReader, region: str) -> tuple[int, int]:
    return sum(1 for _ in _customer_keys(reader, region)), KMS_KEYS


def _buckets(reader: AccountReader) -> Outcome:
    usage = sum(1 for _ in buckets(reader))
    return Outcome([limit_row("S3", "General purpose buckets", GLOBAL_REGION, S3_BUCKETS, usage,
                              f"arn:aws:s3:::*/{reader.account}")])


def _epoch(value) -> float:
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _idle_shards(reader: AccountReader) -> Outcome:
    rows, since = [], reader.now() - IDLE_SHARD_DAYS * DAY
    for region in REGIONS:
        for name in reader.pages("kinesis", "ListStreams", "StreamNames", {}, region, token=("NextToken", "NextToken")):
            summary = reader.call("kinesis", "DescribeStreamSummary", {"StreamName": name}, region)[
                "StreamDescriptionSummary"]
            if summary["StreamStatus"] != "ACTIVE" or _epoch(summary["StreamCreationTimestamp"]) > since:
                continue  # too young to have been idle for the whole window
            shards = reader.call("kinesis", "ListShards", {"StreamName": name}, region)["Shards"]
            for shard in shards:
                if "EndingSequenceNumber" in shard["SequenceNumberRange"]:
                    continue  # a closed shard costs nothing
                iterator = reader.call("kinesis", "GetShardIterator", {
                    "StreamName": name, "ShardId": shard["ShardId"], "ShardIteratorType": "AT_TIMESTAMP",
                    "Timestamp": _datetime(since)}, region)["ShardIterator"]
                records = reader.call("kinesis", "GetRecords", {"ShardIterator": iterator, "Limit": 1}, region)
                status: Status = "ok" if records["Records"] else "warning"
                rows.append(Row(status, summary["StreamARN"], [COLOUR[status], region, name, shard["ShardId"]], region))
    return Outcome(rows)


def _last_use(reader: AccountReader, key_arn: str, since: float) -> bool:
    events = reader.pages("cloudtrail", "LookupEvents", "Events", {
        "LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": key_arn}], "StartTime": _datetime(since)},
        token=("NextToken", "NextToken"))
    return any(event["EventName"] in KEY_USES for event in events)


def _unused_keys(reader: AccountReader) -> Outcome:
    rows, since = [], reader.now() - UNUSED_KEY_DAYS * DAY
    for region in REGIONS:
        for key in _customer_keys(reader, region):
            if key["KeyState"] != "Enabled" or _epoch(key["CreationDate"]) > since:
                continue
            status: Status = "ok" if _last_use(reader, key["Arn"], since) else "warning"
            rows.append(Row(status, key["Arn"], [COLOUR[status], region, key["KeyId"], key["Arn"]], region))
    return Outcome(rows)


def _idle_since(reader: AccountReader, cluster: dict, region: str) -> float:
    steps = reader.call("emr", "ListSteps", {"ClusterId": cluster["Id"]}, region)["Steps"]
    ends = [_epoch(s["Status"]["Timeline"]["EndDateTime"]) for s in steps if s["Status"]["Timeline"].get("EndDateTime")]
    return max([_epoch(cluster["Status"]["Timeline"]["ReadyDateTime"]), *ends])


def _idle_clusters(reader: AccountReader) -> Outcome:
    rows, now = [], reader.now()
    for region in REGIONS:
        for cluster in reader.pages("emr", "ListClusters", "Clusters", {"ClusterStates": ["WAITING"]}, region,
                                    token=("Marker", "Marker")):
            policy = reader.call("emr", "GetAutoTerminationPolicy", {"ClusterId": cluster["Id"]}, region)
            hours = (now - _idle_since(reader, cluster, region)) / 3600
            idle = not policy.get("AutoTerminationPolicy") and hours * 3600 >= IDLE_CLUSTER_SECONDS
            status: Status = "warning" if idle else "ok"
            rows.append(Row(status, cluster["ClusterArn"], [COLOUR[status], region, cluster["Id"], cluster["Name"],
                                                            f"{hours:.1f}"], region))
    return Outcome(rows)


limit_check("nimbusSnsT", "SNS Topics", ("sns",), "SNS topics per Region (a nimbus check: AWS has none)",
       regional(_topics, "SNS", "Topics per region", lambda region, account: f"arn:aws:sns:{region}:{account}:*"))
limit_check("nimbusKmsK", "KMS Customer Managed Keys", ("kms",),
            "KMS customer managed keys per Region (a nimbus check: AWS has none)",
       regional(_keys, "KMS", "Customer managed keys per region",
                lambda region, account: f"arn:aws:kms:{region}:{account}:key/*"))
limit_check("nimbusS3Bk", "S3 General Purpose Buckets", ("s3",),
            "S3 general purpose buckets (a nimbus check: AWS has none)", _buckets)
register(Check("nimbusIdlS", "Idle Kinesis Shards", COST_OPTIMIZING, ("Status", "Region", "Stream Name", "Shard ID"),
               f"Yellow: An open shard of a stream at least {IDLE_SHARD_DAYS} days old received no record in the "
               f"last {IDLE_SHARD_DAYS} days.",
               "Merge idle shards (MergeShards or UpdateShardCount), or delete the stream if nothing writes to it.",
               ("kinesis",), _idle_shards),
         "Checks for open Kinesis shards that received no record in 7 days: each is paid for by the hour "
         "(a nimbus check: AWS has none).")
register(Check("nimbusKmsU", "Unused KMS Keys", COST_OPTIMIZING, ("Status", "Region", "Key ID", "Key ARN"),
               f"Yellow: An enabled customer managed key at least {UNUSED_KEY_DAYS} days old was not used for a "
               f"cryptographic operation in the last {UNUSED_KEY_DAYS} days (as CloudTrail's event history shows).",
               "Disable the key, or schedule its deletion, if nothing needs it.", ("kms",), _unused_keys),
         "Checks for customer managed KMS keys no cryptographic operation used in 30 days: each is paid for by "
         "the month (a nimbus check: AWS has none).")
register(Check("nimbusEmrI", "Idle EMR Clusters", COST_OPTIMIZING,
               ("Status", "Region", "Cluster ID", "Cluster Name", "Hours Idle"),
               "Yellow: A cluster without an auto-termination policy has waited with no step to run for an hour "
               "or more.",
               "Terminate the cluster when its work is done, or give it an auto-termination policy "
               "(PutAutoTerminationPolicy).", ("emr",), _idle_clusters),
         "Checks for EMR clusters waiting with nothing to do: their instances are paid for by the hour "
         "(a nimbus check: AWS has none).")
