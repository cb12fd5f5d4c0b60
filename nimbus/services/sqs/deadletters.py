"""Dead-letter queues: ListDeadLetterSourceQueues, and message move tasks (Start/List/CancelMessageMoveTask)
that move a dead-letter queue's messages back to their sources or to another queue, at most
``MaxNumberOfMessagesPerSecond`` on the virtual clock."""
from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid

from nimbus.core import paging
from nimbus.core.context import RequestContext
from nimbus.core.public_url import public_base
from nimbus.core.scheduler import Job

from .common import move_tasks_ns, queue_arn, queue_url, queues_ns, split_queue_arn, sqs_error
from .documents import MOVE_TASK, QUEUE, MoveTask, StoredMessage
from .queues import decode_token, encode_token
from .state import SqsState

ACTIVE = ("RUNNING", "CANCELLING")


def _not_found(what: str) -> Exception:
    return sqs_error("ResourceNotFoundException", what)


def _task_handle(account: str, region: str, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([account, region, key]).encode()).decode()


class DeadLetterOps(SqsState):
    move_job: Job | None
    move_lock: threading.Lock

    def __init__(self, runtime):
        super().__init__(runtime)
        self.move_job = None
        self.move_lock = threading.Lock()

    def list_dead_letter_source_queues(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        target = queue_arn(live.account, ctx.region, queue["QueueName"])
        names = sorted(name for name, q in QUEUE.scan(self.store, queues_ns(live.account, ctx.region))
                       if json.loads(q["Attributes"].get("RedrivePolicy") or "{}").get("deadLetterTargetArn") == target)
        limit = params.get("MaxResults")
        chunk, more = paging.page_after(names, lambda n: n, decode_token(params.get("NextToken")), limit or 1000)
        base = public_base(ctx)
        result: dict = {"queueUrls": [queue_url(base, live.account, n) for n in chunk]}
        if more and limit is not None:
            result["NextToken"] = encode_token(chunk[-1])
        return result

    def source_queue(self, ctx: RequestContext, arn: str) -> tuple[str, str, str]:
        """(account, region, name) of a move task's source queue, checked against its policy."""
        where = split_queue_arn(arn)
        queue = self.queue_doc(*where) if where and where[1] == ctx.region else None
        if where is None or queue is None:
            raise _not_found("The resource that you specified for the SourceArn parameter doesn't exist.")
        self.check_access(ctx, queue, where[0], f"sqs:{ctx.operation}")
        return where

    def start_message_move_task(self, ctx: RequestContext, params: dict) -> dict:
        source = params["SourceArn"]
        where = self.source_queue(ctx, source)
        if not any(json.loads(q["Attributes"].get("RedrivePolicy") or "{}").get("deadLetterTargetArn") == source
                   for _, q in QUEUE.scan(self.store, queues_ns(where[0], ctx.region))):
            raise sqs_error("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
        destination = params.get("DestinationArn")
        if destination:
            target = split_queue_arn(destination)
            if target is None or self.queue_doc(*target) is None:
                raise _not_found("The resource that you specified for the DestinationArn parameter doesn't exist.")
        rate = params.get("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= rate <= 500:
            raise sqs_error("InvalidParameterValue", f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is "
                            "invalid. Reason: Must be between 1 and 500.")
        ns = move_tasks_ns(where[0], ctx.region)
        if any(t["Status"] in ACTIVE for _, t in MOVE_TASK.scan(self.store, ns, prefix=f"{where[2]}:")):
            raise sqs_error("UnsupportedOperation", "There is already a task running. Only one active task is "
                            "allowed for a source queue arn at a given time.")
        now = self.clock.time()
        live = self.live_queue(where[0], ctx.region, where[2])
        key = f"{where[2]}:{now:017.6f}:{uuid.uuid4().hex[:8]}"
        task: MoveTask = {
            "TaskHandle": _task_handle(where[0], ctx.region, key), "SourceArn": source, "DestinationArn": destination,
            "MaxNumberOfMessagesPerSecond": rate, "Status": "RUNNING", "StartedTimestamp": int(now * 1000),
            "ApproximateNumberOfMessagesMoved": 0, "ApproximateNumberOfMessagesToMove": len(live.messages),
            "FailureReason": None, "Allowance": 0.0, "LastRun": now,
        }
        MOVE_TASK.put(self.store, ns, key, task)
        self.start_moving()
        return {"TaskHandle": task["TaskHandle"]}

    def list_message_move_tasks(self, ctx: RequestContext, params: dict) -> dict:
        where = self.source_queue(ctx, params["SourceArn"])
        limit = params.get("MaxResults") or 1
        if not 1 <= limit <= 10:
            raise sqs_error("InvalidParameterValue", f"Value {limit} for parameter MaxResults is invalid. Reason: "
                            "Must be between 1 and 10.")
        tasks = [t for _, t in MOVE_TASK.scan(self.store, move_tasks_ns(where[0], ctx.region), prefix=f"{where[2]}:")]
        tasks.sort(key=lambda t: t["StartedTimestamp"], reverse=True)
        shown = []
        for task in tasks[:limit]:
            item = {k: v for k, v in task.items() if v is not None and k not in ("Allowance", "LastRun")}
            if task["Status"] not in ACTIVE:
                item.pop("TaskHandle", None)
            shown.append(item)
        return {"Results": shown}

    def cancel_message_move_task(self, ctx: RequestContext, params: dict) -> dict:
        try:
            account, region, key = json.loads(base64.urlsafe_b64decode(params["TaskHandle"].encode()))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise _not_found("Task does not exist.") from None
        ns = move_tasks_ns(str(account), str(region))
        with self.move_lock:
            task = MOVE_TASK.get(self.store, ns, str(key))
            if task is None or region != ctx.region:
                raise _not_found("Task does not exist.")
            where = split_queue_arn(task["SourceArn"])
            queue = self.queue_doc(*where) if where else None
            if queue is not None:
                self.check_access(ctx, queue, where[0], "sqs:CancelMessageMoveTask")
            if task["Status"] not in ACTIVE:
                raise sqs_error("UnsupportedOperation", "Only active tasks can be cancelled.")
            task["Status"] = "CANCELLED"
            MOVE_TASK.put(self.store, ns, str(key), task)
        return {"ApproximateNumberOfMessagesMoved": task["ApproximateNumberOfMessagesMoved"]}

    # -- the mover -------------------------------------------------------------------------

    def start_moving(self) -> None:
        with self.move_lock:
            if self.move_job is None:
                self.move_job = self.every("sqs-move-tasks", 1.0, self.move_step, on_advance=self.move_step)
        self.move_job.wake()

    def move_step(self) -> None:
        with self.move_lock:
            for ns in self.store.namespaces(("sqs",)):
                if len(ns) == 4 and ns == move_tasks_ns(ns[1], ns[2]):
                    for key, task in MOVE_TASK.scan(self.store, ns):
                        if task["Status"] == "RUNNING":
                            self.advance(ns, key, task)

    def advance(self, ns: tuple, key: str, task: MoveTask) -> None:
        now = self.clock.time()
        rate = task.get("MaxNumberOfMessagesPerSecond")
        allowance = task["Allowance"] + (now - task["LastRun"]) * rate if rate else float("inf")
        where = split_queue_arn(task["SourceArn"])
        if where is None or self.queue_doc(*where) is None:
            task.update(Status="FAILED", FailureReason="AWS.SimpleQueueService.NonExistentQueue")
            MOVE_TASK.put(self.store, ns, key, task)
            return
        source = self.live_queue(*where)
        with source.changed:
            ready = [(k, m) for k, m in source.messages.items() if m["VisibleAt"] <= now]
            batch = ready[:int(min(allowance, len(ready)))]
            for k, _ in batch:
                del source.messages[k]
        by_target: dict[str, list[tuple[str, StoredMessage]]] = {}
        for k, message in batch:
            target = task.get("DestinationArn") or message.get("DeadLetterQueueSourceArn") or task["SourceArn"]
            by_target.setdefault(target, []).append((k, message))
        for target, items in by_target.items():
            place = split_queue_arn(target)
            if place is None or self.queue_doc(*place) is None:
                place = where  # its source is gone: the message stays where it was
            moved: list[StoredMessage] = [{**m, "VisibleAt": now, "ReceiveCount": 0, "ReceiptHandle": None,
                                           "DeadLetterQueueSourceArn": None, "SequenceNumber": None} for _, m in items]
            self.enqueue(self.live_queue(*place), moved, removed=(source.ns, [k for k, _ in items]))
        task["ApproximateNumberOfMessagesMoved"] += len(batch)
        task["Allowance"] = 0.0 if rate is None else allowance - len(batch)
        task["LastRun"] = now
        if task["ApproximateNumberOfMessagesMoved"] >= task["ApproximateNumberOfMessagesToMove"] or not ready:
            task["Status"] = "COMPLETED"
        MOVE_TASK.put(self.store, ns, key, task)
