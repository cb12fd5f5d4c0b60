"""What every SQS operation module shares: queue lookup and access checks, the live queues, metrics."""
from __future__ import annotations

import threading
from datetime import UTC, datetime

from nimbus.core.context import RequestContext
from nimbus.core.metrics import publish_metric
from nimbus.core.scheduler import Job
from nimbus.services.base import BaseProvider

from .common import deleted_ns, messages_ns, no_queue, queue_arn, queues_ns, split_queue_url, sqs_error
from .documents import MESSAGE, QUEUE, Queue, StoredMessage
from .encryption import DataKeys
from .gauges import PERIOD, publish_gauges
from .live import LiveQueue


class SqsState(BaseProvider):
    live: dict[tuple[str, str, str], LiveQueue]
    live_lock: threading.Lock
    gauges: Job | None
    data_keys: DataKeys

    def __init__(self, runtime):
        super().__init__(runtime)
        self.live = {}
        self.live_lock = threading.Lock()
        self.gauges: Job | None = None
        self.data_keys = DataKeys()
        # A jump of the virtual clock may make delayed or in-flight messages visible: long polls look again.
        self.on_clock_advance(self.wake_all)

    def wake_all(self) -> None:
        for live in list(self.live.values()):
            with live.changed:
                live.notify()

    def live_queue(self, account: str, region: str, name: str) -> LiveQueue:
        key = (account, region, name)
        with self.live_lock:
            live = self.live.get(key)
            if live is None:
                live = self.live[key] = LiveQueue(account, region, name, messages_ns(account, region, name))
                live.load(self.store)
                if self.gauges is None:
                    self.gauges = self.every("sqs-metrics", PERIOD, lambda: publish_gauges(
                        self.runtime, list(self.live.values())))
            return live

    def forget_live(self, account: str, region: str, name: str) -> None:
        with self.live_lock:
            live = self.live.pop((account, region, name), None)
        if live is not None:
            with live.changed:
                live.messages.clear()
                live.notify()

    def queue_doc(self, account: str, region: str, name: str) -> Queue | None:
        return QUEUE.get(self.store, queues_ns(account, region), name)

    def deleted_recently(self, account: str, region: str, name: str) -> bool:
        deleted = self.store.get(deleted_ns(account, region), name)
        return deleted is not None and self.clock.time() - deleted["Time"] < 60

    def queue(self, ctx: RequestContext, url: str, action: str | None = None) -> tuple[Queue, LiveQueue]:
        """The queue a URL names, in the caller's region, checked against its policy for ``action``
        (by default the operation's own, ``sqs:<Operation>``)."""
        where = split_queue_url(url)
        if where is None:
            raise no_queue()
        account, name = where
        queue = self.queue_doc(account, ctx.region, name)
        if queue is None:
            raise no_queue()
        self.check_access(ctx, queue, account, action or f"sqs:{ctx.operation}")
        return queue, self.live_queue(account, ctx.region, name)

    def check_access(self, ctx: RequestContext, queue: Queue, account: str, action: str) -> None:
        """The queue policy decides for other accounts and service principals (SNS, S3), as AWS's does."""
        ctx.authorize(
            action, queue_arn(account, ctx.region, queue["QueueName"]),
            resource_policy=queue["Attributes"].get("Policy") or None,
            resource_account=account,
            mode="always",
            must_grant=ctx.principal.type == "AWSService",
            error=lambda decision: sqs_error("AccessDenied", decision.message()),
        )

    def metric(self, live: LiveQueue, name: str, value: float, unit: str = "Count") -> None:
        publish_metric(self.runtime.events, datetime.fromtimestamp(self.clock.time(), UTC), live.account,
                       live.region, "AWS/SQS", name, {"QueueName": live.name}, value, unit)

    def expire(self, live: LiveQueue, queue: Queue) -> None:
        """Drop messages past the queue's retention period (virtual clock); the caller holds ``live.changed``."""
        horizon = (self.clock.time() - int(queue["Attributes"]["MessageRetentionPeriod"])) * 1000
        old = [key for key, m in live.messages.items() if m["SentTimestamp"] < horizon]
        if old:
            with self.store.transaction():
                for key in old:
                    self.store.delete(live.ns, key)
            for key in old:
                del live.messages[key]

    def enqueue(self, live: LiveQueue, messages: list[StoredMessage], removed: tuple[tuple, list[str]] | None = None) -> None:
        """Append messages to a queue, written before returning; ``removed`` (a namespace and keys) are
        deleted in the same transaction: a message moved between queues is in exactly one of them."""
        with live.changed:
            with self.store.transaction():
                if removed is not None:
                    for key in removed[1]:
                        self.store.delete(removed[0], key)
                for message in messages:
                    key = live.take_key()
                    if live.fifo and message.get("SequenceNumber") is None:
                        message["SequenceNumber"] = key
                    MESSAGE.put(self.store, live.ns, key, message)
                    live.messages[key] = message
            live.notify()
