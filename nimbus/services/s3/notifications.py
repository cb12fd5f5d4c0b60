"""S3 event notifications: object events delivered to the SNS topics and SQS queues of a bucket's notification
configuration.

Delivery goes through the internal client as ``s3.amazonaws.com`` with the bucket as ``aws:SourceArn``, so the
topic or queue policy must grant S3 (as in AWS). A failed delivery never fails the object operation; Lambda
destinations are stored only (nimbus does not serve Lambda).
"""
from __future__ import annotations

import json
import logging
from urllib.parse import quote_plus

from nimbus.core.arns import parse_arn
from nimbus.core.context import CallSource, RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import invalid_argument
from nimbus.services.s3.documents import Bucket, ObjectVersion

log = logging.getLogger(__name__)
SUBJECT = "Amazon S3 Notification"


def _filter_matches(config: dict, key: str) -> bool:
    rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    for rule in rules:
        name, value = rule.get("Name", "").lower(), rule.get("Value", "")
        if name == "prefix" and not key.startswith(value):
            return False
        if name == "suffix" and not key.endswith(value):
            return False
    return True


def _event_matches(patterns: list[str], event: str) -> bool:
    """``s3:ObjectCreated:*`` covers every ``s3:ObjectCreated:...`` event."""
    return any(p == event or (p.endswith(":*") and event.startswith(p[:-1])) for p in patterns)


def _publish(ctx: RequestContext, bucket: Bucket, topic_arn: str, message: dict) -> None:
    topic = parse_arn(topic_arn) or {}
    ctx.runtime.client.call(
        "sns", "Publish", {"TopicArn": topic_arn, "Message": json.dumps(message), "Subject": SUBJECT},
        account_id=topic.get("account") or bucket["Account"], region=topic.get("region") or bucket["Region"],
        invoked_by="s3.amazonaws.com",
        source=CallSource(f"arn:aws:s3:::{bucket['Name']}", bucket["Account"]))


def _send_to_queue(ctx: RequestContext, bucket: Bucket, queue_arn: str, message: dict) -> None:
    queue = parse_arn(queue_arn) or {}
    account, region = queue.get("account") or bucket["Account"], queue.get("region") or bucket["Region"]
    ctx.runtime.client.call(
        "sqs", "SendMessage", {"QueueUrl": f"https://sqs.{region}.amazonaws.com/{account}/{queue.get('resource')}",
                               "MessageBody": json.dumps(message)},
        account_id=account, region=region, invoked_by="s3.amazonaws.com",
        source=CallSource(f"arn:aws:s3:::{bucket['Name']}", bucket["Account"]))


# configuration list -> how an event reaches its destination
_SENDERS = {"TopicConfigurations": ("TopicArn", _publish), "QueueConfigurations": ("QueueArn", _send_to_queue)}

# configuration list -> (its ARN member, the service that ARN must name)
_DESTINATIONS = {"TopicConfigurations": ("TopicArn", "sns"), "QueueConfigurations": ("QueueArn", "sqs"),
                 "LambdaFunctionConfigurations": ("LambdaFunctionArn", "lambda")}


def check_arns(configuration: dict) -> None:
    """Each destination must be a well-formed ARN of its service (checked even with SkipDestinationValidation)."""
    for kind, (member, service) in _DESTINATIONS.items():
        for config in configuration.get(kind) or []:
            arn = parse_arn(config.get(member) or "")
            if arn is None or arn["service"] != service or not arn["region"] or not arn["account"] \
                    or not arn["resource"]:
                raise invalid_argument("The ARN is not well formed", member, config.get(member))


def validate_destinations(ctx: RequestContext, bucket: Bucket, configuration: dict) -> None:
    """S3 sends each topic a test event when the configuration is set, and refuses topics it cannot reach."""
    failed = []
    for kind, (member, send) in _SENDERS.items():
        for config in configuration.get(kind) or []:
            test = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": _now(ctx),
                    "Bucket": bucket["Name"], "RequestId": ctx.request_id, "HostId": ctx.request_id}
            try:
                send(ctx, bucket, config[member], test)
            except ServiceError:
                failed.append(config[member])
    if failed:
        raise invalid_argument("Unable to validate the following destination configurations",
                               ", ".join(failed), "Not authorized to invoke function or publish to topic")


def notify(ctx: RequestContext, bucket: Bucket, event: str, key: str, record: ObjectVersion | None = None) -> None:
    """Deliver ``event`` (e.g. ``s3:ObjectCreated:Put``) for ``key`` to every matching topic and queue
    configuration."""
    configuration = (bucket.get("Config") or {}).get("Notification") or {}
    for kind, (member, send) in _SENDERS.items():
        for config in configuration.get(kind) or []:
            if not _event_matches(config.get("Events") or [], event) or not _filter_matches(config, key):
                continue
            message = {"Records": [_event_record(ctx, bucket, event, key, record or {}, config.get("Id", ""))]}
            try:
                send(ctx, bucket, config[member], message)
            except ServiceError as error:  # AWS drops an undeliverable event; the object operation stands
                log.warning("S3 event for %s/%s not delivered to %s: %s", bucket["Name"], key, config[member],
                            error.code)


def _now(ctx: RequestContext) -> str:
    return ctx.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _event_record(ctx: RequestContext, bucket: Bucket, event: str, key: str, record: ObjectVersion, config_id: str) -> dict:
    obj = {"key": quote_plus(key, safe="/"), "sequencer": f"{int(record.get('Seq') or 0):016X}"}
    if "Size" in record:
        obj["size"] = record["Size"]
    if record.get("ETag"):
        obj["eTag"] = record["ETag"].strip('"')
    if record.get("VersionId") and record["VersionId"] != "null":
        obj["versionId"] = record["VersionId"]
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket["Region"],
        "eventTime": _now(ctx),
        "eventName": event.removeprefix("s3:"),
        "userIdentity": {"principalId": f"AWS:{ctx.principal.principal_id}"},
        "requestParameters": {"sourceIPAddress": ctx.source_ip},
        "responseElements": {"x-amz-request-id": ctx.request_id, "x-amz-id-2": ctx.request_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": config_id,
            "bucket": {"name": bucket["Name"], "ownerIdentity": {"principalId": bucket["Account"]},
                       "arn": f"arn:aws:s3:::{bucket['Name']}"},
            "object": obj,
        },
    }

