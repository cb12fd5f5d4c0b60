"""CloudWatch Logs destinations as AWS Config records them (``AWS::Logs::Destination``): resourceId the name, the
configuration the resource's CloudFormation properties (``DestinationName``, ``TargetArn``, ``RoleArn``,
``DestinationPolicy``, ``Arn``), related to its role and its Kinesis stream or Firehose delivery stream."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, every_page, relationship, supports

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

DESTINATION = "AWS::Logs::Destination"
_TARGETS = {"kinesis": ("AWS::Kinesis::Stream", "Is associated with Stream"),
            "firehose": ("AWS::KinesisFirehose::DeliveryStream", "Is associated with ")}


def describe_destination(reader: Reader, arn: str) -> Described | None:
    name = arn.split(":destination:", 1)[-1]
    listed = reader.call("logs", "DescribeDestinations", {"DestinationNamePrefix": name}).get("destinations", [])
    found = next((d for d in listed if d["destinationName"] == name), None)
    if found is None:
        return None
    configuration = {"DestinationName": name, "TargetArn": found["targetArn"], "RoleArn": found["roleArn"],
                     "Arn": found["arn"]}
    if found.get("accessPolicy"):
        configuration["DestinationPolicy"] = found["accessPolicy"]
    related = [relationship("AWS::IAM::Role", arn_name(found["roleArn"]), "Is associated with Role")]
    target_type = _TARGETS.get(found["targetArn"].split(":")[2])
    if target_type:
        target = arn_name(found["targetArn"])
        related.append(relationship(target_type[0], target, target_type[1], target))
    return Described(resource_id=name, name=name, arn=arn, configuration=configuration, relationships=related,
                     created=found["creationTime"] / 1000)


def discover_destinations(reader: Reader) -> list[str]:
    return [d["arn"] for d in every_page(reader, "logs", "DescribeDestinations", "destinations", token="nextToken")]


supports(DESTINATION, describe_destination, discover_destinations)
