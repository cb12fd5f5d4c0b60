"""ReceiveMessage with long polling, and what follows a receive: DeleteMessage and ChangeMessageVisibility
(single and batch), dead-letter redrive on the receive that exceeds ``maxReceiveCount``."""
from __future__ import annotations

import base64
import binascii
import json
import time
import uuid

from nimbus.core.context import RequestContext

from .batches import batch_result, check_entries
from .checksums import md5_of_attributes
from .common import invalid_parameter, queue_arn, split_queue_arn, sqs_error
from .documents import MESSAGE, Queue, StoredMessage
from .live import LiveQueue
from .state import SqsState

ATTEMPT_WINDOW = 300.0


def receipt_handle(live: LiveQueue, key: str, message: StoredMessage) -> str:
    raw = f"{live.name}\x00{key}\x00{message['MessageId']}\x00{uuid.uuid4().hex}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def read_handle(live: LiveQueue, handle: str) -> tuple[str, str]:
    """(store key, message id) of a receipt handle of this queue, or ReceiptHandleIsInvalid."""
    try:
        name, key, message_id, _ = base64.urlsafe_b64decode(handle.encode()).decode().split("\x00")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        name = key = message_id = ""
    if name != live.name or not key.isdigit():
        raise sqs_error("ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.')
    return key, message_id


def _system_attributes(message: StoredMessage, wanted: set[str]) -> dict[str, str]:
    values = {
        "SenderId": message["SenderId"], "SentTimestamp": str(message["SentTimestamp"]),
        "ApproximateReceiveCount": str(message["ReceiveCount"]),
        "ApproximateFirstReceiveTimestamp": str(message["FirstReceiveTimestamp"] or ""),
        "SequenceNumber": message.get("SequenceNumber"), "MessageGroupId": message.get("MessageGroupId"),
        "MessageDeduplicationId": message.get("MessageDeduplicationId"),
        "AWSTraceHeader": (message.get("MessageSystemAttributes") or {}).get("AWSTraceHeader", {}).get("StringValue"),
        "DeadLetterQueueSourceArn": message.get("DeadLetterQueueSourceArn"),
    }
    every = "All" in wanted
    return {k: v for k, v in values.items() if v and (every or k in wanted)}


def _wanted_attributes(attributes: dict[str, dict], names: list[str]) -> dict[str, dict]:
    if not names or not attributes:
        return {}
    if "All" in names or ".*" in names:
        return dict(attributes)
    prefixes = tuple(n[:-2] for n in names if n.endswith(".*"))
    return {k: v for k, v in attributes.items() if k in names or (prefixes and k.startswith(prefixes))}


def as_received(message: StoredMessage, body: str, system: set[str], names: list[str]) -> dict:
    result = {"MessageId": message["MessageId"], "ReceiptHandle": message["ReceiptHandle"],
              "MD5OfBody": message["MD5OfBody"], "Body": body}
    attributes = _system_attributes(message, system)
    if attributes:
        result["Attributes"] = attributes
    chosen = _wanted_attributes(message.get("MessageAttributes") or {}, names)
    if chosen:
        result["MD5OfMessageAttributes"] = md5_of_attributes(chosen)
        result["MessageAttributes"] = {
            k: ({"DataType": v["DataType"], "BinaryValue": base64.b64decode(v["BinaryValue"])}
                if "BinaryValue" in v else v) for k, v in chosen.items()}
    return result


def _number(params: dict, name: str, least: int, most: int, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not least <= value <= most:
        raise invalid_parameter(f"Value {value} for parameter {name} is invalid. Reason: Must be between {least} "
                                f"and {most}, if provided.")
    return value


class ReceiveOps(SqsState):
    def receive_message(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        count = _number(params, "MaxNumberOfMessages", 1, 10, 1)
        visibility = _number(params, "VisibilityTimeout", 0, 43200, int(queue["Attributes"]["VisibilityTimeout"]))
        wait = _number(params, "WaitTimeSeconds", 0, 20, int(queue["Attributes"]["ReceiveMessageWaitTimeSeconds"]))
        system = set(params.get("AttributeNames") or []) | set(params.get("MessageSystemAttributeNames") or [])
        names = params.get("MessageAttributeNames") or []
        attempt = params.get("ReceiveRequestAttemptId") if live.fifo else None
        request = ctx.request
        # A retried long poll (the gateway waited for a change) keeps its first attempt's end.
        deadline = request.wait_until if request is not None and request.wait_until is not None \
            else time.monotonic() + wait
        with live.changed:
            while True:
                picked = self.repeated_attempt(live, attempt) if attempt else None
                if picked is None:
                    picked = self.pick(ctx, queue, live, count, visibility)
                remaining = deadline - time.monotonic()
                if picked or remaining <= 0 or self.closed:
                    break
                soonest = live.next_visible_at(self.clock.time())
                pause = remaining if soonest is None else max(0.01, min(remaining, soonest - self.clock.time()))
                if request is not None:  # through the gateway: wait on its event loop, not on this thread
                    raise live.suspend(deadline, time.monotonic() + pause)
                live.changed.wait(pause)
            if attempt and picked:
                live.attempts[attempt] = (self.clock.time() + ATTEMPT_WINDOW, [key for key, _ in picked])
        self.metric(live, "NumberOfMessagesReceived" if picked else "NumberOfEmptyReceives", len(picked) or 1)
        return {"Messages": [as_received(m, self.data_keys.open(ctx, live.account, live.region, m), system, names)
                             for _, m in picked]} if picked else {}

    def repeated_attempt(self, live: LiveQueue, attempt: str) -> list[tuple[str, StoredMessage]] | None:
        """A retried FIFO receive gets the messages its first try got, while they are still in flight."""
        expires, keys = live.attempts.get(attempt, (0.0, []))
        if expires <= self.clock.time():
            live.attempts.pop(attempt, None)
            return None
        return [(key, live.messages[key]) for key in keys if key in live.messages]

    def pick(self, ctx: RequestContext, queue: Queue, live: LiveQueue, count: int,
             visibility: int) -> list[tuple[str, StoredMessage]]:
        """Up to ``count`` visible messages made in flight (FIFO: in order per group, a group with a message
        in flight locked); those past the redrive policy's maxReceiveCount go to the dead-letter queue."""
        self.expire(live, queue)
        now = self.clock.time()
        redrive = json.loads(queue["Attributes"].get("RedrivePolicy") or "null")
        locked = {m.get("MessageGroupId") for m in live.messages.values()
                  if live.fifo and m["VisibleAt"] > now and m["ReceiveCount"]}
        picked: list[tuple[str, StoredMessage]] = []
        dead: list[tuple[str, StoredMessage]] = []
        for key, message in live.messages.items():
            if len(picked) >= count:
                break
            group = message.get("MessageGroupId")
            if message["VisibleAt"] > now or (live.fifo and group in locked):
                if live.fifo:
                    locked.add(group)  # a later message of the group waits for this one
                continue
            if redrive and message["ReceiveCount"] >= redrive["maxReceiveCount"]:
                dead.append((key, message))
                continue
            picked.append((key, message))
        if dead:
            self.redrive(ctx, live, queue, redrive["deadLetterTargetArn"], dead)
        with self.store.transaction():
            for key, message in picked:
                message["ReceiveCount"] += 1
                if message["FirstReceiveTimestamp"] is None:
                    message["FirstReceiveTimestamp"] = int(now * 1000)
                message["VisibleAt"] = now + visibility
                message["ReceiptHandle"] = receipt_handle(live, key, message)
                MESSAGE.put(self.store, live.ns, key, message)
        return picked

    def redrive(self, ctx: RequestContext, live: LiveQueue, queue: Queue, target: str,
                dead: list[tuple[str, StoredMessage]]) -> None:
        where = split_queue_arn(target)
        if where is None or self.queue_doc(*where) is None:
            return  # AWS keeps the messages while the dead-letter queue is missing
        for key, _ in dead:
            del live.messages[key]
        source = queue_arn(live.account, live.region, live.name)
        moved: list[StoredMessage] = [{**m, "DeadLetterQueueSourceArn": source, "VisibleAt": self.clock.time(),
                                       "ReceiptHandle": None, "SequenceNumber": None} for _, m in dead]
        self.enqueue(self.live_queue(*where), moved, removed=(live.ns, [key for key, _ in dead]))

    def delete_message(self, ctx: RequestContext, params: dict) -> dict:
        _, live = self.queue(ctx, params["QueueUrl"])
        self.delete_one(live, params["ReceiptHandle"])
        return {}

    def delete_message_batch(self, ctx: RequestContext, params: dict) -> dict:
        _, live = self.queue(ctx, params["QueueUrl"], "sqs:DeleteMessage")
        entries = check_entries(params.get("Entries") or [])
        return batch_result(entries, lambda entry: self.delete_one(live, entry["ReceiptHandle"]) or {})

    def delete_one(self, live: LiveQueue, handle: str) -> None:
        key, message_id = read_handle(live, handle)
        with live.changed:
            message = live.messages.get(key)
            if message is None or message["MessageId"] != message_id:
                return  # deleted already: AWS answers success
            if live.fifo and message["ReceiptHandle"] != handle:
                raise sqs_error("ReceiptHandleIsInvalid", "The receipt handle has expired.")
            self.store.delete(live.ns, key)
            del live.messages[key]
            live.notify()  # a FIFO group may be unlocked
        self.metric(live, "NumberOfMessagesDeleted", 1)

    def change_message_visibility(self, ctx: RequestContext, params: dict) -> dict:
        _, live = self.queue(ctx, params["QueueUrl"])
        self.change_one(live, params["ReceiptHandle"], params["VisibilityTimeout"])
        return {}

    def change_message_visibility_batch(self, ctx: RequestContext, params: dict) -> dict:
        _, live = self.queue(ctx, params["QueueUrl"], "sqs:ChangeMessageVisibility")
        entries = check_entries(params.get("Entries") or [])
        return batch_result(entries, lambda entry: self.change_one(
            live, entry["ReceiptHandle"], entry.get("VisibilityTimeout", 0)) or {})

    def change_one(self, live: LiveQueue, handle: str, timeout: int) -> None:
        if not 0 <= timeout <= 43200:
            raise invalid_parameter(f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be "
                                    "between 0 and 43200, if provided.")
        key, message_id = read_handle(live, handle)
        now = self.clock.time()
        with live.changed:
            message = live.messages.get(key)
            if message is None or message["MessageId"] != message_id or message["VisibleAt"] <= now \
                    or message["ReceiptHandle"] != handle:
                raise sqs_error("MessageNotInflight", "Message does not exist or is not available for visibility "
                                "timeout change.")
            message["VisibleAt"] = now + timeout
            MESSAGE.put(self.store, live.ns, key, message)
            live.notify()
