"""The delivery channel's outputs: configuration history files and snapshots in S3 (AWS's key layout,
gzipped JSON) and SNS notifications of AWS's message types, all written as the recorder's role.

History files are delivered every six hours (virtual clock) per resource type that changed; snapshots on
``DeliverConfigSnapshot`` and every ``deliveryFrequency`` when the channel sets one. A failed delivery
shows in DescribeDeliveryChannelStatus and is tried again on the next tick.
"""
from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.config.described import iso
from nimbus.services.config.documents import CHANNEL, DeliveryChannel, Recorder
from nimbus.services.config.items import DELETED, DISCOVERED, GONE, ItemStore
from nimbus.services.config.reading import Reader
from nimbus.services.config.state_names import HISTORY_SECONDS, SNAPSHOT_SECONDS, channels_ns

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

SNS_MESSAGE_LIMIT = 256 * 1024
_CHANGE_TYPES = {DISCOVERED: "CREATE", DELETED: "DELETE"}


def channel_of(runtime: Runtime, account: str, region: str) -> DeliveryChannel | None:
    return next((c for _, c in CHANNEL.scan(runtime.store, channels_ns(account, region))), None)


def _save(runtime: Runtime, account: str, region: str, channel: DeliveryChannel) -> None:
    CHANNEL.put(runtime.store, channels_ns(account, region), channel["name"], channel)


def _stamp(when: float) -> str:
    return datetime.fromtimestamp(when, tz=UTC).strftime("%Y%m%dT%H%M%SZ")


def _folder(channel: DeliveryChannel, account: str, region: str, when: float, kind: str) -> str:
    day = datetime.fromtimestamp(when, tz=UTC)
    prefix = f"{channel['s3KeyPrefix']}/" if channel.get("s3KeyPrefix") else ""
    return f"{prefix}AWSLogs/{account}/Config/{region}/{day.year}/{day.month}/{day.day}/{kind}/"


def file_item(item: dict[str, Any]) -> dict[str, Any]:
    """An item as delivery files and notifications carry it (their own member names, times as text)."""
    return {
        "relatedEvents": item.get("relatedEvents", []),
        "relationships": [{"resourceId": r.get("resourceId"), "resourceName": r.get("resourceName"),
                           "resourceType": r["resourceType"], "name": r["relationshipName"]}
                          for r in item.get("relationships", [])],
        "configuration": item.get("configuration"),
        "supplementaryConfiguration": item.get("supplementaryConfiguration", {}),
        "tags": item.get("tags", {}), "configurationItemVersion": item["version"],
        "configurationItemCaptureTime": iso(item["configurationItemCaptureTime"]),
        "configurationStateId": int(item["configurationStateId"]), "awsAccountId": item["accountId"],
        "configurationItemStatus": item["configurationItemStatus"], "resourceType": item["resourceType"],
        "resourceId": item["resourceId"], "resourceName": item.get("resourceName"), "ARN": item["arn"],
        "awsRegion": item["awsRegion"], "availabilityZone": item.get("availabilityZone"),
        "configurationStateMd5Hash": item.get("configurationItemMD5Hash", ""),
        "resourceCreationTime": iso(item.get("resourceCreationTime")),
    }


def _put_file(reader: Reader, channel: DeliveryChannel, key: str, document: dict) -> None:
    params: dict[str, Any] = {"Bucket": channel["s3BucketName"], "Key": key,
                              "Body": gzip.compress(json.dumps(document).encode()), "ContentType": "application/json",
                              "ContentEncoding": "gzip"}
    if channel.get("s3KmsKeyArn"):
        params.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=channel["s3KmsKeyArn"])
    reader.call("s3", "PutObject", params)


def _publish(reader: Reader, channel: DeliveryChannel, message: dict, subject: str | None = None) -> None:
    topic = channel.get("snsTopicARN")
    if not topic:
        return
    params = {"TopicArn": topic, "Message": json.dumps(message)}
    if subject:
        params["Subject"] = subject[:100]
    reader.call("sns", "Publish", params, region=topic.split(":")[3])


def check_writable(reader: Reader, channel: DeliveryChannel) -> None:
    """What PutDeliveryChannel checks: Config can write to the bucket (the file AWS writes for this)."""
    key = f"{channel['s3KeyPrefix']}/" if channel.get("s3KeyPrefix") else ""
    _put_file(reader, channel, f"{key}AWSLogs/{reader.account}/Config/ConfigWritabilityCheckFile", {})


def notify_change(runtime: Runtime, account: str, region: str, recorder: Recorder, item: dict,
                  previous: dict | None) -> None:
    """ConfigurationItemChangeNotification, or its oversized form, to the channel's topic."""
    channel = channel_of(runtime, account, region)
    if channel is None or not channel.get("snsTopicARN"):
        return
    now = runtime.clock.time()
    status = item["configurationItemStatus"]
    change_type = _CHANGE_TYPES.get(status, "DELETE" if status in GONE else "UPDATE")
    message: dict[str, Any] = {
        "configurationItemDiff": {"changedProperties": _changed(previous, item), "changeType": change_type},
        "configurationItem": file_item(item), "notificationCreationTime": iso(now),
        "messageType": "ConfigurationItemChangeNotification", "recordVersion": "1.3"}
    if len(json.dumps(message)) > SNS_MESSAGE_LIMIT:
        summary = {k: v for k, v in file_item(item).items()
                   if k not in ("configuration", "supplementaryConfiguration", "relationships", "relatedEvents")}
        summary["changeType"] = change_type
        message = {"configurationItemSummary": summary, "notificationCreationTime": iso(now),
                   "messageType": "OversizedConfigurationItemChangeNotification", "recordVersion": "1.0"}
    verb = {"CREATE": "Created", "DELETE": "Deleted"}.get(change_type, "Updated")
    subject = f"[AWS Config:{region}] {item['resourceType']} {item.get('resourceName') or item['resourceId']} {verb}"
    try:
        _publish(Reader(runtime, account, region, recorder["roleARN"]), channel, message, subject)
        _stream_status(channel, "SUCCESS", now)
    except ServiceError as error:
        _stream_status(channel, "FAILURE", now, error)
    _save(runtime, account, region, channel)


def _changed(previous: dict | None, item: dict) -> dict[str, Any]:
    before = (previous or {}).get("configuration") or {}
    after = item.get("configuration") or {}
    changed = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            kind = "CREATE" if name not in before else "DELETE" if name not in after else "UPDATE"
            changed[f"Configuration.{name}"] = {"previousValue": before.get(name), "updatedValue": after.get(name),
                                                "changeType": kind}
    return changed


def _stream_status(channel: DeliveryChannel, status: str, now: float, error: ServiceError | None = None) -> None:
    info: dict[str, Any] = {"lastStatus": status, "lastStatusChangeTime": now}
    if error is not None:
        info.update(lastErrorCode=error.code, lastErrorMessage=error.message)
    channel["configStreamDeliveryInfo"] = info


def export_status(channel: DeliveryChannel, field: str, now: float, next_time: float | None,
                   error: ServiceError | None = None) -> None:
    info = dict(channel.get(field) or {})  # type: ignore[misc]
    info.update(lastAttemptTime=now, lastStatus="FAILURE" if error else "SUCCESS")
    if error is None:
        info["lastSuccessfulTime"] = now
        info.pop("lastErrorCode", None)
        info.pop("lastErrorMessage", None)
    else:
        info.update(lastErrorCode=error.code, lastErrorMessage=error.message)
    if next_time is not None:
        info["nextDeliveryTime"] = next_time
    channel[field] = info  # type: ignore[literal-required]


def deliver_snapshot(runtime: Runtime, account: str, region: str, recorder: Recorder,
                     channel: DeliveryChannel, snapshot_id: str | None = None) -> str:
    """A snapshot of every recorded resource that exists; its id. Raises the S3 or SNS error."""
    snapshot_id = snapshot_id or str(uuid.uuid4())
    now = runtime.clock.time()
    items = ItemStore(runtime.store, account, region)
    current = [file_item(r["item"]) for t in items.resource_types() for r in items.resources(t)
               if r["item"]["configurationItemStatus"] not in GONE]
    key = (_folder(channel, account, region, now, "ConfigSnapshot")
           + f"{account}_Config_{region}_ConfigSnapshot_{_stamp(now)}_{snapshot_id}.json.gz")
    reader = Reader(runtime, account, region, recorder["roleARN"])
    _put_file(reader, channel, key, {"fileVersion": "1.0", "configSnapshotId": snapshot_id,
                                     "configurationItems": current})
    _publish(reader, channel, {"configSnapshotId": snapshot_id, "s3ObjectKey": key, "s3Bucket": channel["s3BucketName"],
                               "notificationCreationTime": iso(now),
                               "messageType": "ConfigurationSnapshotDeliveryCompleted", "recordVersion": "1.1"})
    return snapshot_id


def deliver_due(runtime: Runtime, account: str, region: str, recorder: Recorder, now: float) -> None:
    """History files and periodic snapshots that fell due on the virtual clock."""
    channel = channel_of(runtime, account, region)
    if channel is None:
        return
    since = channel.get("historyDeliveredUntil") or recorder.get("lastStartTime") or now
    if now - since >= HISTORY_SECONDS:
        try:
            _deliver_history(runtime, account, region, recorder, channel, since, now)
            channel["historyDeliveredUntil"] = now
            export_status(channel, "configHistoryDeliveryInfo", now, now + HISTORY_SECONDS)
        except ServiceError as error:
            export_status(channel, "configHistoryDeliveryInfo", now, None, error)
        _save(runtime, account, region, channel)
    frequency = SNAPSHOT_SECONDS.get((channel.get("configSnapshotDeliveryProperties") or {}).get("deliveryFrequency", ""))
    if frequency is None:
        return
    last = (channel.get("configSnapshotDeliveryInfo") or {}).get("lastAttemptTime") or recorder.get(
        "lastStartTime") or now
    if now - last >= frequency:
        try:
            deliver_snapshot(runtime, account, region, recorder, channel)
            export_status(channel, "configSnapshotDeliveryInfo", now, now + frequency)
        except ServiceError as error:
            export_status(channel, "configSnapshotDeliveryInfo", now, None, error)
        _save(runtime, account, region, channel)


def _deliver_history(runtime: Runtime, account: str, region: str, recorder: Recorder, channel: DeliveryChannel,
                     since: float, now: float) -> None:
    reader = Reader(runtime, account, region, recorder["roleARN"])
    by_type = ItemStore(runtime.store, account, region).captured_between(since, now)
    for number, (resource_type, items) in enumerate(sorted(by_type.items()), start=1):
        key = (_folder(channel, account, region, now, "ConfigHistory")
               + f"{account}_Config_{region}_ConfigHistory_{resource_type}_{_stamp(since)}_{_stamp(now)}_{number}.json.gz")
        _put_file(reader, channel, key, {"fileVersion": "1.0", "configurationItems": [file_item(i) for i in items]})
        _publish(reader, channel, {"s3ObjectKey": key, "s3Bucket": channel["s3BucketName"],
                                   "notificationCreationTime": iso(now),
                                   "messageType": "ConfigurationHistoryDeliveryCompleted", "recordVersion": "1.1"})
