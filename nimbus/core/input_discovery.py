"""DiscoverInputSchema, as Kinesis Data Analytics v1 and v2 both answer it: sample a Kinesis stream, the
source stream of a Firehose delivery stream, or an S3 object, as the role the caller gave, and infer the
schema of what is there (``schema_inference``). The services differ only in their role check and names."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nimbus.core.context import RequestContext
from nimbus.core.schema_inference import infer
from nimbus.protocol.errors import ServiceError

SAMPLE_SIZE = 100  # records a discovery looks at
MAX_SAMPLE_BYTES = 1024 * 1024


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def _decode(data) -> str:
    data = data if isinstance(data, (bytes, bytearray)) else b"".join(data)
    return bytes(data).decode("utf-8", errors="replace")


@dataclass
class Sampler:
    """Reads a source as one role, for one service principal."""
    ctx: RequestContext
    role_arn: str
    service_principal: str
    session_name: str

    def call(self, service: str, operation: str, params: dict, region: str | None = None) -> dict:
        try:
            return self.ctx.runtime.client.call_as_role(
                self.role_arn, service, operation, params, invoked_by=self.service_principal,
                session_name=self.session_name, region=region or self.ctx.region)
        except ServiceError as error:
            raise _invalid(f"Kinesis Analytics could not read the source as role {self.role_arn}: "
                           f"{error.message}") from None

    def stream(self, stream_arn: str, position: str) -> list[str]:
        """Records of every shard from the oldest; ``NOW`` keeps the most recent ones."""
        region = stream_arn.split(":")[3]
        records: list[str] = []
        for shard in self.call("kinesis", "ListShards", {"StreamARN": stream_arn}, region)["Shards"]:
            iterator = self.call("kinesis", "GetShardIterator", {
                "StreamARN": stream_arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"},
                region)["ShardIterator"]
            while iterator:
                page = self.call("kinesis", "GetRecords",
                                 {"StreamARN": stream_arn, "ShardIterator": iterator, "Limit": 1000}, region)
                records += [_decode(record["Data"]) for record in page["Records"]]
                if not page["Records"] or (position == "TRIM_HORIZON" and len(records) >= SAMPLE_SIZE):
                    break
                iterator = page.get("NextShardIterator")
        return records[:SAMPLE_SIZE] if position == "TRIM_HORIZON" else records[-SAMPLE_SIZE:]

    def delivery_stream(self, arn: str, position: str) -> list[str]:
        name = arn.split("/", 1)[-1]
        stream = self.call("firehose", "DescribeDeliveryStream", {"DeliveryStreamName": name},
                           arn.split(":")[3])["DeliveryStreamDescription"]
        source = (stream.get("Source") or {}).get("KinesisStreamSourceDescription")
        if not source:
            raise ServiceError("UnableToDetectSchemaException",
                               f"Delivery stream {name} takes records directly; nimbus samples only a delivery "
                               "stream whose source is a Kinesis stream.", RawInputRecords=[],
                               ProcessedInputRecords=[])
        return self.stream(source["KinesisStreamARN"], position)

    def s3_object(self, bucket_arn: str, key: str) -> list[str]:
        body = self.call("s3", "GetObject", {"Bucket": bucket_arn.split(":::", 1)[-1], "Key": key,
                                             "Range": f"bytes=0-{MAX_SAMPLE_BYTES - 1}"})["Body"]
        return [line for line in _decode(body).splitlines() if line.strip()][:SAMPLE_SIZE]


def discover(ctx: RequestContext, params: dict, role_arn: str | None, check_role: Callable[[RequestContext, str], None],
             service_principal: str, session_name: str) -> dict:
    """The DiscoverInputSchema answer for ``params``; ``role_arn`` reads the stream (v1 names it ``RoleARN``, v2
    ``ServiceExecutionRole``), an S3 sample is read as the S3 configuration's ``RoleARN`` when it has one."""
    position = (params.get("InputStartingPositionConfiguration") or {}).get("InputStartingPosition", "NOW")
    s3 = params.get("S3Configuration")
    if s3:
        role = s3.get("RoleARN") or role_arn or ""
        check_role(ctx, role)
        samples = Sampler(ctx, role, service_principal, session_name).s3_object(s3["BucketARN"], s3["FileKey"])
    else:
        arn = params.get("ResourceARN")
        if not arn or not role_arn:
            raise _invalid("Either S3Configuration or both ResourceARN and RoleARN must be specified.")
        check_role(ctx, role_arn)
        sampler = Sampler(ctx, role_arn, service_principal, session_name)
        if arn.split(":")[2:3] == ["firehose"]:
            samples = sampler.delivery_stream(arn, position)
        elif arn.split(":")[2:3] == ["kinesis"]:
            samples = sampler.stream(arn, position)
        else:
            raise _invalid(f"{arn} is neither a Kinesis stream nor a Firehose delivery stream ARN.")
    inferred = infer(samples) if samples else None
    if inferred is None:
        raise ServiceError("UnableToDetectSchemaException", "No data found in the source to detect a schema.",
                           RawInputRecords=samples, ProcessedInputRecords=samples)
    schema, parsed = inferred
    return {"InputSchema": schema, "ParsedInputRecords": parsed, "ProcessedInputRecords": samples,
            "RawInputRecords": samples}
