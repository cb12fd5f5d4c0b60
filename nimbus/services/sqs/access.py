"""AddPermission and RemovePermission (statements of the queue policy, by label) and queue tags."""
from __future__ import annotations

import json

from nimbus.core.context import RequestContext

from .common import invalid_parameter, queue_arn, queues_ns, sqs_error
from .documents import QUEUE, Queue
from .live import LiveQueue
from .state import SqsState

# The actions AddPermission may grant ("*" grants all of them).
SHAREABLE = {"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
             "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue"}
MAX_TAGS = 50


class AccessOps(SqsState):
    def add_permission(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        label = params["Label"]
        for action in params["Actions"]:
            if action not in SHAREABLE:
                raise invalid_parameter(f"Value SQS:{action} for parameter ActionName is invalid. Reason: Only the "
                                        "queue owner is allowed to invoke this action.")
        policy = self.policy_of(queue)
        if any(s.get("Sid") == label for s in policy["Statement"]):
            raise invalid_parameter(f"Value {label} for parameter Label is invalid. Reason: Already exists.")
        if len(policy["Statement"]) >= 20:
            raise sqs_error("OverLimit", "20 Actions were found, maximum allowed is 20.")
        policy["Statement"].append({
            "Sid": label, "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in params["AWSAccountIds"]]},
            "Action": [f"SQS:{action}" for action in params["Actions"]],
            "Resource": queue_arn(live.account, ctx.region, queue["QueueName"]),
        })
        self.save_policy(live, queue, policy)
        return {}

    def remove_permission(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        label = params["Label"]
        policy = self.policy_of(queue)
        kept = [s for s in policy["Statement"] if s.get("Sid") != label]
        if len(kept) == len(policy["Statement"]):
            raise invalid_parameter(f"Value {label} for parameter Label is invalid. Reason: can't find label on "
                                    "existing policy.")
        policy["Statement"] = kept
        self.save_policy(live, queue, policy if kept else None)
        return {}

    @staticmethod
    def policy_of(queue: Queue) -> dict:
        text = queue["Attributes"].get("Policy")
        if text:
            return json.loads(text)
        return {"Version": "2012-10-17", "Id": f"{queue['QueueName']}/SQSDefaultPolicy", "Statement": []}

    def save_policy(self, live: LiveQueue, queue: Queue, policy: dict | None) -> None:
        queue["Attributes"]["Policy"] = json.dumps(policy, separators=(",", ":")) if policy else ""
        self.save_queue(live, queue)

    def save_queue(self, live: LiveQueue, queue: Queue) -> None:
        QUEUE.put(self.store, queues_ns(live.account, live.region), queue["QueueName"], queue)

    def tag_queue(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        tags = {**queue.get("Tags", {}), **params["Tags"]}
        if len(tags) > MAX_TAGS:
            raise invalid_parameter(f"Too many tags added for queue {queue['QueueName']}.")
        queue["Tags"] = tags
        self.save_queue(live, queue)
        return {}

    def untag_queue(self, ctx: RequestContext, params: dict) -> dict:
        queue, live = self.queue(ctx, params["QueueUrl"])
        queue["Tags"] = {k: v for k, v in queue.get("Tags", {}).items() if k not in params["TagKeys"]}
        self.save_queue(live, queue)
        return {}

    def list_queue_tags(self, ctx: RequestContext, params: dict) -> dict:
        queue, _ = self.queue(ctx, params["QueueUrl"])
        tags = queue.get("Tags", {})
        return {"Tags": tags} if tags else {}
