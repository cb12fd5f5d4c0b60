"""The regional types AWS Config records from nimbus's services: KMS keys, Kinesis streams, Firehose delivery
streams, SNS topics and CloudFormation stacks, each read with its service's describe operation and shaped
as Config records it (KMS's key metadata in camelCase; the others as their CloudFormation properties)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.services.config.described import (
    SUPPORTED,
    Described,
    arn_name,
    epoch,
    every_page,
    relationship,
    supports,
    tag_map,
)

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

KEY, STREAM, DELIVERY_STREAM = "AWS::KMS::Key", "AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream"
TOPIC, STACK = "AWS::SNS::Topic", "AWS::CloudFormation::Stack"
_KEY_LINK = "Is associated with KMSKey"


def camel(value: Any) -> Any:
    """Keys with a lowercase first letter, at every level (``KeyMetadata`` -> ``keyMetadata``)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel(item) for item in value]
    return value


def _key_relationship(key: str | None) -> list[dict]:
    """A KMS key an encryption setting names, by id (an alias names no key Config can relate to)."""
    if not key or "alias/" in key:
        return []
    key_id = key.rsplit("/", 1)[-1]
    return [relationship(KEY, key_id, _KEY_LINK, key_id)]


def describe_key(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("kms", "DescribeKey", {"KeyId": arn}, ("NotFoundException",))
    if found is None:
        return None
    metadata = found["KeyMetadata"]
    configuration = camel({k: v for k, v in metadata.items() if k != "AWSAccountId"})
    configuration["awsaccountId"] = metadata.get("AWSAccountId")
    for field in ("creationDate", "deletionDate", "validTo"):
        if configuration.get(field) is not None:
            configuration[field] = epoch(configuration[field])
    tags = reader.call("kms", "ListResourceTags", {"KeyId": arn}).get("Tags", [])
    return Described(resource_id=metadata["KeyId"], name=metadata["KeyId"], arn=arn, configuration=configuration,
                     tags=tag_map(tags, "TagKey", "TagValue"), created=epoch(metadata.get("CreationDate")))


def discover_keys(reader: Reader) -> list[str]:
    return [key["KeyArn"] for key in reader.call("kms", "ListKeys", {"Limit": 1000}).get("Keys", [])]


def describe_stream(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("kinesis", "DescribeStreamSummary", {"StreamARN": arn}, ("ResourceNotFoundException",))
    if found is None:
        return None
    summary = found["StreamDescriptionSummary"]
    encryption = {"EncryptionType": summary.get("EncryptionType", "NONE"), "KeyId": summary.get("KeyId")}
    configuration = {"Name": summary["StreamName"], "Arn": arn, "RetentionPeriodHours": summary["RetentionPeriodHours"],
                     "ShardCount": summary.get("OpenShardCount"), "StreamEncryption": encryption,
                     "StreamModeDetails": summary.get("StreamModeDetails", {"StreamMode": "PROVISIONED"})}
    tags = reader.call("kinesis", "ListTagsForStream", {"StreamARN": arn}).get("Tags", [])
    return Described(resource_id=summary["StreamName"], name=summary["StreamName"], arn=arn,
                     configuration=configuration, tags=tag_map(tags), relationships=_key_relationship(encryption["KeyId"]),
                     created=epoch(summary.get("StreamCreationTimestamp")))


def discover_streams(reader: Reader) -> list[str]:
    summaries = reader.call("kinesis", "ListStreams", {"Limit": 10000}).get("StreamSummaries", [])
    return [summary["StreamARN"] for summary in summaries]


def describe_delivery_stream(reader: Reader, arn: str) -> Described | None:
    name = arn_name(arn)
    found = reader.optional("firehose", "DescribeDeliveryStream", {"DeliveryStreamName": name},
                            ("ResourceNotFoundException",))
    if found is None:
        return None
    stream = found["DeliveryStreamDescription"]
    encryption = stream.get("DeliveryStreamEncryptionConfiguration") or {}
    configuration = {"DeliveryStreamName": name, "Arn": arn, "DeliveryStreamType": stream.get("DeliveryStreamType"),
                     "DeliveryStreamStatus": stream.get("DeliveryStreamStatus"),
                     "DeliveryStreamEncryptionConfiguration": encryption,
                     "Destinations": stream.get("Destinations", [])}
    tags = reader.call("firehose", "ListTagsForDeliveryStream", {"DeliveryStreamName": name}).get("Tags", [])
    return Described(resource_id=name, name=name, arn=arn, configuration=camel(configuration), tags=tag_map(tags),
                     relationships=_key_relationship(encryption.get("KeyARN")),
                     created=epoch(stream.get("CreateTimestamp")))


def discover_delivery_streams(reader: Reader) -> list[str]:
    names = reader.call("firehose", "ListDeliveryStreams", {"Limit": 10000}).get("DeliveryStreamNames", [])
    return [f"arn:aws:firehose:{reader.region}:{reader.account}:deliverystream/{name}" for name in names]


def describe_topic(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("sns", "GetTopicAttributes", {"TopicArn": arn}, ("NotFound",))
    if found is None:
        return None
    attributes = found["Attributes"]
    tags = tag_map(reader.call("sns", "ListTagsForResource", {"ResourceArn": arn}).get("Tags", []))
    configuration = {"TopicArn": arn, "TopicName": arn_name(arn), "DisplayName": attributes.get("DisplayName", ""),
                     "KmsMasterKeyId": attributes.get("KmsMasterKeyId"), "Policy": attributes.get("Policy"),
                     "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    return Described(resource_id=arn, name=arn_name(arn), arn=arn, configuration=configuration, tags=tags,
                     relationships=_key_relationship(attributes.get("KmsMasterKeyId")))


def discover_topics(reader: Reader) -> list[str]:
    return [topic["TopicArn"] for topic in every_page(reader, "sns", "ListTopics", "Topics")]


def describe_stack(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("cloudformation", "DescribeStacks", {"StackName": arn}, ("ValidationError",))
    stacks = (found or {}).get("Stacks", [])
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    stack = stacks[0]
    resources = reader.call("cloudformation", "ListStackResources", {"StackName": arn}).get("StackResourceSummaries", [])
    related = [relationship(r["ResourceType"], r["PhysicalResourceId"], "Contains " + r["ResourceType"].split("::")[-1],
                            r["PhysicalResourceId"])
               for r in resources if r["ResourceType"] in SUPPORTED and r.get("PhysicalResourceId")]
    configuration = camel({k: v for k, v in stack.items() if k not in ("CreationTime", "LastUpdatedTime")})
    configuration["creationTime"] = epoch(stack.get("CreationTime"))
    return Described(resource_id=arn, name=stack["StackName"], arn=arn, configuration=configuration,
                     tags=tag_map(stack.get("Tags")), relationships=related, created=epoch(stack.get("CreationTime")))


def discover_stacks(reader: Reader) -> list[str]:
    return [s["StackId"] for s in every_page(reader, "cloudformation", "ListStacks", "StackSummaries")
            if s["StackStatus"] != "DELETE_COMPLETE"]


supports(KEY, describe_key, discover_keys)
supports(STREAM, describe_stream, discover_streams)
supports(DELIVERY_STREAM, describe_delivery_stream, discover_delivery_streams)
supports(TOPIC, describe_topic, discover_topics)
supports(STACK, describe_stack, discover_stacks)
