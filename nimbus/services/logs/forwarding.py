"""Subscription payloads and their delivery to Kinesis, Firehose and cross-account destinations.

A payload is gzipped JSON in AWS's shape (``messageType`` DATA_MESSAGE or CONTROL_MESSAGE, ``owner``,
``logGroup``, ``logStream``, ``subscriptionFilters``, ``logEvents`` of ``id``/``timestamp``/``message``).
PutLogEvents writes each filter's matching events to the outbox in the same transaction as the events
themselves, so an acknowledged batch is delivered even after kill -9; the forwarder job drains the outbox,
acting as the filter's role (or the destination's, for a cross-account destination), and keeps a payload
that fails for a day of virtual time before dropping it: at least once, as AWS delivers.
"""
from __future__ import annotations

import gzip
import json
import logging
import threading
import uuid

from nimbus.core.context import CallSource
from nimbus.core.metrics import publish_metric
from nimbus.protocol.errors import ServiceError

from .common import DAY_MS, OUTBOX_NS, SERVICE_PRINCIPAL, destinations_ns, invalid, subscriptions_ns
from .documents import DESTINATION, FORWARD, SUBSCRIPTION_FILTER, Destination, Forward

log = logging.getLogger(__name__)

SESSION_NAME = "CWLSubscriptionDelivery"
MAX_PAYLOAD_BYTES = 900_000  # below Kinesis's and Firehose's 1,000 KiB records, before compression
BATCH = 200  # outbox entries read per round
DESTINATION_MISSING = "The specified destination does not exist."
DESTINATION_TYPES = {"kinesis": "Kinesis", "firehose": "Firehose", "logs": "Destination"}


def payload(owner: str, group: str, stream: str, filter_name: str, events: list[list]) -> bytes:
    return gzip.compress(json.dumps({
        "messageType": "DATA_MESSAGE", "owner": owner, "logGroup": group, "logStream": stream,
        "subscriptionFilters": [filter_name],
        "logEvents": [{"id": i, "timestamp": t, "message": m} for i, t, m in events],
    }, separators=(",", ":")).encode())


def control_payload(now_ms: int, kind: str) -> bytes:
    """The message AWS sends when a filter is put, to check the destination can be written."""
    return gzip.compress(json.dumps({
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": now_ms,
                       "message": f"CWL CONTROL MESSAGE: Checking health of destination {kind}."}],
    }, separators=(",", ":")).encode())


def chunks(events: list[list]) -> list[list[list]]:
    """Events split so no payload outgrows a record."""
    out: list[list[list]] = [[]]
    size = 0
    for event in events:
        length = len(event[2].encode()) + 100
        if out[-1] and size + length > MAX_PAYLOAD_BYTES:
            out.append([])
            size = 0
        out[-1].append(event)
        size += length
    return out


def target_kind(arn: str) -> str:
    """kinesis, firehose or logs (a destination), from the ARN a filter or destination names."""
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        if parts[2] == "kinesis" and parts[5].startswith("stream/"):
            return "kinesis"
        if parts[2] == "firehose" and parts[5].startswith("deliverystream/"):
            return "firehose"
        if parts[2] == "logs" and parts[5] == "destination" and len(parts) == 7:
            return "logs"
        if parts[2] == "lambda":
            raise invalid("nimbus serves no Lambda: subscription filters deliver to Kinesis, Firehose or a "
                          "destination.")
    raise invalid(f"Invalid destinationArn: {arn}")


def destination_of(store, arn: str) -> Destination | None:
    parts = arn.split(":")
    return DESTINATION.get(store, destinations_ns(parts[4], parts[3]), parts[6])


def send(runtime, target_arn: str, role_arn: str, data: bytes, partition_key: str, source: CallSource) -> None:
    """One record to a Kinesis stream or Firehose delivery stream, as a session of ``role_arn``."""
    region = target_arn.split(":")[3]
    if target_kind(target_arn) == "kinesis":
        operation, params = "PutRecord", {"StreamARN": target_arn, "Data": data, "PartitionKey": partition_key}
        service = "kinesis"
    else:
        service, operation = "firehose", "PutRecord"
        params = {"DeliveryStreamName": target_arn.split("/", 1)[1], "Record": {"Data": data}}
    runtime.client.call_as_role(role_arn, service, operation, params, invoked_by=SERVICE_PRINCIPAL,
                                session_name=SESSION_NAME, region=region, source=source)


def resolve(store, destination_arn: str, role_arn: str | None) -> tuple[str, str]:
    """(target ARN, role ARN) a filter's records go to: a destination forwards to its own target as its role."""
    if target_kind(destination_arn) == "logs":
        destination = destination_of(store, destination_arn)
        if destination is None:
            raise ServiceError("ResourceNotFoundException", DESTINATION_MISSING)
        return destination["targetArn"], destination["roleArn"]
    if not role_arn:
        raise invalid("roleArn is required for a Kinesis or Firehose destination.")
    return destination_arn, role_arn


def deliver(runtime, forward: Forward) -> None:
    target, role = resolve(runtime.store, forward["destination"], forward["role"])
    group_arn = f"arn:aws:logs:{forward['region']}:{forward['account']}:log-group:{forward['group']}"
    key = forward["stream"] if forward["distribution"] != "Random" else uuid.uuid4().hex
    for part in chunks(forward["events"]):
        send(runtime, target, role, payload(forward["account"], forward["group"], forward["stream"],
                                            forward["filter"], part), key, CallSource(group_arn, forward["account"]))


def enqueue(store, forward: Forward) -> None:
    """Called inside PutLogEvents' transaction: the payload is as durable as the events."""
    key = f"{forward['queued']:016d}-{uuid.uuid4().hex}"
    FORWARD.put(store, OUTBOX_NS, key, forward)


class Forwarder:
    """The background job draining the outbox; woken by every PutLogEvents that queued something."""

    def __init__(self, provider):
        self.runtime = provider.runtime
        self._lock = threading.Lock()
        self.job = provider.every("logs-subscriptions", 1.0, self.drain, on_advance=self.drain)

    def wake(self) -> None:
        self.job.wake()

    def drain(self) -> None:
        with self._lock:
            after = None
            while True:
                rows = FORWARD.scan(self.runtime.store, OUTBOX_NS, start_after=after, limit=BATCH)
                for key, forward in rows:
                    self._attempt(key, forward)
                if len(rows) < BATCH:
                    return
                after = rows[-1][0]

    def _attempt(self, key: str, forward: Forward) -> None:
        store = self.runtime.store
        still_there = SUBSCRIPTION_FILTER.get(store, subscriptions_ns(forward["account"], forward["region"],
                                                                      forward["group"]), forward["filter"])
        if still_there is not None:
            try:
                deliver(self.runtime, forward)
                self._metrics(forward, delivered=True)
            except ServiceError as error:
                self._metrics(forward, delivered=False)
                now = int(self.runtime.clock.time() * 1000)
                if now - forward["queued"] < DAY_MS:
                    forward["attempts"] += 1
                    FORWARD.put(store, OUTBOX_NS, key, forward)
                    return
                log.warning("subscription %s of %s dropped a payload after a day of failures: %s",
                            forward["filter"], forward["group"], error)
        store.delete(OUTBOX_NS, key)

    def _metrics(self, forward: Forward, delivered: bool) -> None:
        """AWS/Logs ForwardedLogEvents and ForwardedBytes, or DeliveryErrors, by group, destination type and
        filter, as AWS publishes them for subscriptions."""
        dimensions = {"LogGroupName": forward["group"],
                      "DestinationType": DESTINATION_TYPES[target_kind(forward["destination"])],
                      "FilterName": forward["filter"]}
        values = ([("ForwardedLogEvents", len(forward["events"]), "None"),
                   ("ForwardedBytes", sum(len(e[2].encode()) for e in forward["events"]), "Bytes")]
                  if delivered else [("DeliveryErrors", len(forward["events"]), "None")])
        for name, value, unit in values:
            publish_metric(self.runtime.events, self.runtime.clock.now(), forward["account"], forward["region"],
                           "AWS/Logs", name, dimensions, value, unit)
