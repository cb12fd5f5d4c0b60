"""The stored shapes of SQS entities (see nimbus.core.documents for the convention).

Entities: queues (their settable attributes as SetQueueAttributes takes them), messages (one document per
message, written before SendMessage answers and on every receive, so delivery state survives a kill -9),
deleted queue names (for QueueDeletedRecently), FIFO deduplication entries and message move tasks.
"""
from __future__ import annotations

from typing import TypedDict

from nimbus.core.documents import DocumentKind


class Queue(TypedDict, total=False):
    QueueName: str
    Attributes: dict[str, str]  # the settable attributes, defaults included
    Tags: dict[str, str]
    CreatedTimestamp: int  # epoch seconds, as GetQueueAttributes answers it
    LastModifiedTimestamp: int
    PurgeStarted: float | None  # virtual time of the last PurgeQueue (one per 60 s)


class StoredMessage(TypedDict, total=False):
    MessageId: str
    Body: str
    MD5OfBody: str
    MessageAttributes: dict[str, dict]  # as the API names them, BinaryValue base64 text
    MD5OfMessageAttributes: str | None
    MessageSystemAttributes: dict[str, dict]  # AWSTraceHeader, as sent
    MD5OfMessageSystemAttributes: str | None
    SenderId: str
    SentTimestamp: int  # epoch milliseconds (virtual clock)
    VisibleAt: float  # virtual epoch seconds at which it may be received
    ReceiveCount: int
    FirstReceiveTimestamp: int | None
    ReceiptHandle: str | None  # the last receive's handle
    MessageGroupId: str | None
    MessageDeduplicationId: str | None
    SequenceNumber: str | None
    DeadLetterQueueSourceArn: str | None
    SealedWith: str | None  # SSE-KMS: the encrypted data key (base64) that sealed Body (then base64 nonce+ciphertext)
    SealedFor: str | None  # the ARN of the queue that sealed it: KMS's encryption context (a message may move)


class Deduplication(TypedDict):
    MessageId: str
    SequenceNumber: str | None
    Expires: float  # virtual epoch seconds


class MoveTask(TypedDict, total=False):
    TaskHandle: str
    SourceArn: str
    DestinationArn: str | None
    MaxNumberOfMessagesPerSecond: int | None
    Status: str  # RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
    StartedTimestamp: int  # epoch milliseconds
    ApproximateNumberOfMessagesMoved: int
    ApproximateNumberOfMessagesToMove: int
    FailureReason: str | None
    Allowance: float  # messages the rate allows to move now
    LastRun: float  # virtual time of the last step


QUEUE = DocumentKind[Queue]("sqs.Queue")
MESSAGE = DocumentKind[StoredMessage]("sqs.Message")
DEDUPLICATION = DocumentKind[Deduplication]("sqs.Deduplication")
MOVE_TASK = DocumentKind[MoveTask]("sqs.MoveTask")
