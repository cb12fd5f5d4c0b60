"""Queue operations: create, delete, find, list, attributes, purge."""
from __future__ import annotations

import json

from nimbus.core import paging
from nimbus.core.context import RequestContext
from nimbus.core.policy import PolicyError, compile_policy
from nimbus.core.public_url import public_base

from . import attributes as attrs
from .common import (
    deleted_ns,
    invalid_attribute_value,
    invalid_parameter,
    messages_ns,
    no_queue,
    queue_arn,
    queue_url,
    queues_ns,
    split_queue_arn,
    sqs_error,
)
from .documents import QUEUE, Queue
from .state import SqsState


def encode_token(name: str) -> str:
    return name.encode().hex()


def decode_token(token: str | None) -> str | None:
    """The last queue name a page listed (tokens are opaque to clients: its UTF-8 bytes in hex)."""
    try:
        return bytes.fromhex(token).decode() if token else None
    except (ValueError, UnicodeDecodeError):
        raise invalid_parameter("Invalid NextToken value.") from None


class QueueOps(SqsState):
    def create_queue(self, ctx: RequestContext, params: dict) -> dict:
        name = params["QueueName"]
        given = dict(params.get("Attributes") or {})
        fifo = given.get("FifoQueue") == "true"
        attrs.check_name(name, fifo)
        if given.get("FifoQueue") == "false":
            given.pop("FifoQueue")
        wanted = attrs.checked(given, fifo, creating=True)
        self.check_policy_and_redrive(ctx, name, wanted, fifo)
        url = queue_url(public_base(ctx), ctx.account_id, name)
        with self.store.transaction():
            existing = self.queue_doc(ctx.account_id, ctx.region, name)
            if existing is not None:
                for key, value in wanted.items():
                    if existing["Attributes"].get(key, "") != value:
                        raise sqs_error("QueueNameExists", "A queue already exists with the same name and a "
                                        f"different value for attribute {key}")
                return {"QueueUrl": url}
            if self.deleted_recently(ctx.account_id, ctx.region, name):
                raise sqs_error("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before "
                                "you can create another with the same name.")
            now = int(self.clock.time())
            queue: Queue = {"QueueName": name, "Attributes": attrs.one_encryption(attrs.defaults(fifo), wanted),
                            "Tags": dict(params.get("tags") or {}), "CreatedTimestamp": now,
                            "LastModifiedTimestamp": now, "PurgeStarted": None}
            QUEUE.put(self.store, queues_ns(ctx.account_id, ctx.region), name, queue)
        self.emit_queue(ctx, name, "created")
        return {"QueueUrl": url}

    def check_policy_and_redrive(self, ctx: RequestContext, name: str, wanted: dict[str, str], fifo: bool) -> None:
        if wanted.get("Policy"):
            try:
                compile_policy(wanted["Policy"], "resource")
            except PolicyError:
                raise invalid_attribute_value("Policy") from None
        if wanted.get("RedrivePolicy"):
            target = json.loads(wanted["RedrivePolicy"])["deadLetterTargetArn"]
            where = split_queue_arn(target)
            dead_letter = self.queue_doc(where[0], where[1], where[2]) if where else None
            if dead_letter is None or where[1] != ctx.region:
                raise invalid_parameter(f"Value {wanted['RedrivePolicy']} for parameter RedrivePolicy is invalid. "
                                        "Reason: Dead letter target does not exist.")
            if not attrs.redrive_allows(dead_letter["Attributes"], queue_arn(ctx.account_id, ctx.region, name)):
                raise invalid_parameter(f"Value {wanted['RedrivePolicy']} for parameter RedrivePolicy is invalid. "
                                        "Reason: Queue ARN is not allowed in the dead letter queue's redrive allow "
                                        "policy.")
            if where[2].endswith(".fifo") != fifo:
                raise invalid_parameter(f"Value {wanted['RedrivePolicy']} for parameter RedrivePolicy is invalid. "
                                        "Reason: Dead-letter queue must be same type of queue as the source..")

    def emit_queue(self, ctx: RequestContext, name: str, change) -> None:
        account, region = ctx.account_id, ctx.region
        ctx.emit_resource_change(
            "AWS::SQS::Queue", queue_arn(account, region, name), change,
            None if change == "deleted" else lambda: self.configuration(account, region, name))

    def configuration(self, account: str, region: str, name: str) -> dict | None:
        queue = self.queue_doc(account, region, name)
        if queue is None:
            return None
        return {"QueueName": name, "QueueArn": queue_arn(account, region, name), **queue["Attributes"],
                "Tags": [{"Key": k, "Value": v} for k, v in queue.get("Tags", {}).items()]}

    def delete_queue(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        name = queue["QueueName"]
        with self.store.transaction():
            self.store.delete(queues_ns(live.account, ctx.region), name)
            self.store.delete_namespace(messages_ns(live.account, ctx.region, name))
            self.store.put(deleted_ns(live.account, ctx.region), name, {"Time": self.clock.time()})
        self.forget_live(live.account, ctx.region, name)
        self.emit_queue(ctx, name, "deleted")
        return {}

    def get_queue_url(self, ctx: RequestContext, params: dict) -> dict:
        account = params.get("QueueOwnerAWSAccountId") or ctx.account_id
        name = params["QueueName"]
        queue = self.queue_doc(account, ctx.region, name)
        if queue is None:
            raise no_queue()
        self.check_access(ctx, queue, account, "sqs:GetQueueUrl")
        return {"QueueUrl": queue_url(public_base(ctx), account, name)}

    def list_queues(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("QueueNamePrefix") or ""
        limit = params.get("MaxResults")
        if limit is not None and not 1 <= limit <= 1000:
            raise invalid_parameter("Value for parameter MaxResults is invalid. Reason: MaxResults must be an "
                                    "integer between 1 and 1000.")
        if params.get("NextToken") and limit is None:
            raise invalid_parameter("MaxResults is a mandatory parameter when you provide a value for NextToken.")
        names = sorted(key for key, _ in self.store.scan(queues_ns(ctx.account_id, ctx.region), prefix=prefix))
        chunk, more = paging.page_after(names, lambda n: n, decode_token(params.get("NextToken")), limit or 1000)
        base = public_base(ctx)
        result: dict = {"QueueUrls": [queue_url(base, ctx.account_id, n) for n in chunk]} if chunk else {}
        if more and limit is not None:
            result["NextToken"] = encode_token(chunk[-1])
        return result

    def get_queue_attributes(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        names = params.get("AttributeNames") or []
        fifo = live.fifo
        for name in names:
            if name != "All" and (name not in attrs.ALL or (name in attrs.FIFO_ONLY and not fifo)
                                  or (name == "FifoQueue" and not fifo)):
                raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        if not names:
            return {}
        everything = self.all_attributes(ctx, queue, live)
        wanted = everything if "All" in names else {k: v for k, v in everything.items() if k in names}
        return {"Attributes": wanted} if wanted else {}

    def all_attributes(self, ctx: RequestContext, queue: Queue, live) -> dict[str, str]:
        with live.changed:
            self.expire(live, queue)
            visible, in_flight, delayed = live.counts(self.clock.time())
        values = {k: v for k, v in queue["Attributes"].items() if v != ""}
        values.update({
            "QueueArn": queue_arn(live.account, ctx.region, queue["QueueName"]),
            "ApproximateNumberOfMessages": str(visible),
            "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            "ApproximateNumberOfMessagesDelayed": str(delayed),
            "CreatedTimestamp": str(queue["CreatedTimestamp"]),
            "LastModifiedTimestamp": str(queue["LastModifiedTimestamp"]),
        })
        return values

    def set_queue_attributes(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        wanted = attrs.checked(params.get("Attributes") or {}, live.fifo, creating=False)
        self.check_policy_and_redrive(ctx, queue["QueueName"], wanted, live.fifo)
        with self.store.transaction():
            current = self.queue_doc(live.account, ctx.region, queue["QueueName"])
            if current is None:
                raise no_queue()
            current["Attributes"].update(attrs.one_encryption(current["Attributes"], wanted))
            current["LastModifiedTimestamp"] = int(self.clock.time())
            QUEUE.put(self.store, queues_ns(live.account, ctx.region), queue["QueueName"], current)
        self.emit_queue(ctx, queue["QueueName"], "updated")
        return {}

    def purge_queue(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        now = self.clock.time()
        started = queue.get("PurgeStarted")
        if started is not None and now - started < 60:
            raise sqs_error("PurgeQueueInProgress", f"Only one PurgeQueue operation on {queue['QueueName']} is "
                            "allowed every 60 seconds.")
        queue["PurgeStarted"] = now
        with live.changed, self.store.transaction():
            QUEUE.put(self.store, queues_ns(live.account, ctx.region), queue["QueueName"], queue)
            for key in list(live.messages):
                self.store.delete(live.ns, key)
            live.messages.clear()
        return {}
