"""Kinesis enhanced fan-out consumers as AWS Config records them (``AWS::Kinesis::StreamConsumer``): resourceId
the consumer's ARN, the configuration the resource's CloudFormation properties (``StreamARN``, ``ConsumerName``,
``ConsumerARN``, ``ConsumerCreationTimestamp``, ``Tags``; not its status, which settles with time rather than
with a change), related to its stream."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, epoch, relationship, supports, tag_map

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

CONSUMER = "AWS::Kinesis::StreamConsumer"


def describe_consumer(reader: Reader, arn: str) -> Described | None:
    found = reader.optional("kinesis", "DescribeStreamConsumer", {"ConsumerARN": arn},
                            ("ResourceNotFoundException",))
    if found is None or found["ConsumerDescription"]["ConsumerStatus"] == "DELETING":
        return None
    consumer = found["ConsumerDescription"]
    stream = consumer["StreamARN"]
    tags = tag_map(reader.call("kinesis", "ListTagsForResource", {"ResourceARN": arn}).get("Tags"))
    created = epoch(consumer["ConsumerCreationTimestamp"])
    configuration = {"StreamARN": stream, "ConsumerName": consumer["ConsumerName"], "ConsumerARN": arn,
                     "ConsumerCreationTimestamp": created,
                     "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    related = [relationship("AWS::Kinesis::Stream", arn_name(stream), "Is associated with Stream", arn_name(stream))]
    return Described(resource_id=arn, name=consumer["ConsumerName"], arn=arn, configuration=configuration,
                     tags=tags, relationships=related, created=created)


def discover_consumers(reader: Reader) -> list[str]:
    streams = reader.call("kinesis", "ListStreams", {"Limit": 10000}).get("StreamSummaries", [])
    found = []
    for stream in streams:
        listed = reader.call("kinesis", "ListStreamConsumers", {"StreamARN": stream["StreamARN"]})
        found += [c["ConsumerARN"] for c in listed.get("Consumers", []) if c["ConsumerStatus"] != "DELETING"]
    return found


supports(CONSUMER, describe_consumer, discover_consumers)
