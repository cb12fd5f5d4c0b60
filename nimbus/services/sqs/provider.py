"""Amazon SQS: standard and FIFO queues, long polling, dead-letter queues and move tasks, queue policies.

The operations live in topic modules built on ``SqsState`` (state.py: queue lookup, access checks and the
live queues, loaded from the store and written through); this class joins them.
"""
from __future__ import annotations

from .access import AccessOps
from .deadletters import DeadLetterOps
from .queues import QueueOps
from .receiving import ReceiveOps
from .sending import SendOps


class Provider(QueueOps, SendOps, ReceiveOps, AccessOps, DeadLetterOps):
    # Operations on a queue check its policy themselves (another account's caller, a service principal).
    self_authorized = frozenset({
        "AddPermission", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "DeleteMessage",
        "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues",
        "ListQueueTags", "PurgeQueue", "ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch",
        "SetQueueAttributes", "TagQueue", "UntagQueue", "StartMessageMoveTask", "ListMessageMoveTasks",
        "CancelMessageMoveTask",
    })
