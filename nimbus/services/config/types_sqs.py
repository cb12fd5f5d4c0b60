"""AWS::SQS::Queue as AWS Config records it: resourceId the queue's URL, the configuration its attributes
(as GetQueueAttributes answers them, counts left out) and tags, related to its KMS key and dead-letter queue."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, relationship, supports

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

QUEUE = "AWS::SQS::Queue"
# Attributes that change with traffic, not with the queue's configuration: recording them would make an
# item of every message.
_TRAFFIC = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed")


def _url(arn: str) -> str:
    _, _, _, region, account, name = arn.split(":", 5)
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


def describe_queue(reader: Reader, arn: str) -> Described | None:
    url = _url(arn)
    found = reader.optional("sqs", "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]},
                            ("QueueDoesNotExist",))
    if found is None:
        return None
    attributes = {k: v for k, v in found.get("Attributes", {}).items() if k not in _TRAFFIC}
    tags = reader.call("sqs", "ListQueueTags", {"QueueUrl": url}).get("Tags", {})
    related = []
    key = attributes.get("KmsMasterKeyId")
    if key and "alias/" not in key:
        related.append(relationship("AWS::KMS::Key", key.rsplit("/", 1)[-1], "Is associated with KMSKey",
                                    key.rsplit("/", 1)[-1]))
    if attributes.get("RedrivePolicy"):
        target = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
        related.append(relationship(QUEUE, arn_name(target), "Is associated with Queue", _url(target)))
    configuration = {"QueueUrl": url, "QueueName": arn_name(arn), **attributes,
                     "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    created = attributes.get("CreatedTimestamp")
    return Described(resource_id=url, name=arn_name(arn), arn=arn, configuration=configuration, tags=tags,
                     relationships=related, created=float(created) if created else None)


def discover_queues(reader: Reader) -> list[str]:
    urls = reader.call("sqs", "ListQueues", {}).get("QueueUrls", [])
    return [f"arn:aws:sqs:{reader.region}:{reader.account}:{url.rsplit('/', 1)[-1]}" for url in urls]


supports(QUEUE, describe_queue, discover_queues)
