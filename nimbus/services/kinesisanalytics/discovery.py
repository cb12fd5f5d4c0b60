"""DiscoverInputSchema: sample a Kinesis stream, the source stream of a Firehose delivery stream, or an S3
object, as the given role, and infer the schema of what is there."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesisanalytics.common import SERVICE_PRINCIPAL, SESSION_NAME, check_role, invalid
from nimbus.services.kinesisanalytics.schema import infer
from nimbus.services.kinesisanalytics.state import KinesisAnalyticsState

SAMPLE_SIZE = 100  # records a discovery looks at
MAX_SAMPLE_BYTES = 1024 * 1024


def _as_role(ctx: RequestContext, role_arn: str, service: str, operation: str, params: dict,
             region: str | None = None) -> dict:
    try:
        return ctx.runtime.client.call_as_role(role_arn, service, operation, params, invoked_by=SERVICE_PRINCIPAL,
                                               session_name=SESSION_NAME, region=region or ctx.region)
    except ServiceError as error:
        raise invalid(f"Kinesis Analytics could not read the source as role {role_arn}: {error.message}") from None


def _decode(data) -> str:
    data = data if isinstance(data, (bytes, bytearray)) else b"".join(data)
    return bytes(data).decode("utf-8", errors="replace")


def sample_stream(ctx: RequestContext, stream_arn: str, role_arn: str, position: str) -> list[str]:
    """Records of every shard from the oldest; ``NOW`` keeps the most recent ones."""
    region = stream_arn.split(":")[3]
    records: list[str] = []
    shards = _as_role(ctx, role_arn, "kinesis", "ListShards", {"StreamARN": stream_arn}, region)["Shards"]
    for shard in shards:
        iterator = _as_role(ctx, role_arn, "kinesis", "GetShardIterator", {
            "StreamARN": stream_arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
            region)["ShardIterator"]
        while iterator:
            page = _as_role(ctx, role_arn, "kinesis", "GetRecords",
                            {"StreamARN": stream_arn, "ShardIterator": iterator, "Limit": 1000}, region)
            records += [_decode(record["Data"]) for record in page["Records"]]
            if not page["Records"] or (position == "TRIM_HORIZON" and len(records) >= SAMPLE_SIZE):
                break
            iterator = page.get("NextShardIterator")
    return records[:SAMPLE_SIZE] if position == "TRIM_HORIZON" else records[-SAMPLE_SIZE:]


def sample_delivery_stream(ctx: RequestContext, arn: str, role_arn: str, position: str) -> list[str]:
    name = arn.split("/", 1)[-1]
    stream = _as_role(ctx, role_arn, "firehose", "DescribeDeliveryStream", {"DeliveryStreamName": name},
                      arn.split(":")[3])["DeliveryStreamDescription"]
    source = (stream.get("Source") or {}).get("KinesisStreamSourceDescription")
    if not source:
        raise ServiceError("UnableToDetectSchemaException",
                           f"Delivery stream {name} takes records directly; nimbus samples only a delivery "
                           "stream whose source is a Kinesis stream.", RawInputRecords=[], ProcessedInputRecords=[])
    return sample_stream(ctx, source["KinesisStreamARN"], role_arn, position)


def sample_object(ctx: RequestContext, s3: dict) -> list[str]:
    bucket = s3["BucketARN"].split(":::", 1)[-1]
    body = _as_role(ctx, s3["RoleARN"], "s3", "GetObject",
                    {"Bucket": bucket, "Key": s3["FileKey"], "Range": f"bytes=0-{MAX_SAMPLE_BYTES - 1}"})["Body"]
    return [line for line in _decode(body).splitlines() if line.strip()][:SAMPLE_SIZE]


class DiscoveryOps(KinesisAnalyticsState):
    def discover_input_schema(self, ctx: RequestContext, params: dict) -> dict:
        position = (params.get("InputStartingPositionConfiguration") or {}).get("InputStartingPosition", "NOW")
        s3 = params.get("S3Configuration")
        if s3:
            check_role(ctx, s3["RoleARN"])
            samples = sample_object(ctx, s3)
        else:
            arn, role = params.get("ResourceARN"), params.get("RoleARN")
            if not arn or not role:
                raise invalid("Either S3Configuration or both ResourceARN and RoleARN must be specified.")
            check_role(ctx, role)
            if arn.split(":")[2:3] == ["firehose"]:
                samples = sample_delivery_stream(ctx, arn, role, position)
            elif arn.split(":")[2:3] == ["kinesis"]:
                samples = sample_stream(ctx, arn, role, position)
            else:
                raise invalid(f"{arn} is neither a Kinesis stream nor a Firehose delivery stream ARN.")
        inferred = infer(samples) if samples else None
        if inferred is None:
            raise ServiceError("UnableToDetectSchemaException", "No data found in the source to detect a schema.",
                               RawInputRecords=samples, ProcessedInputRecords=samples)
        schema, parsed = inferred
        return {"InputSchema": schema, "ParsedInputRecords": parsed, "ProcessedInputRecords": samples,
                "RawInputRecords": samples}
