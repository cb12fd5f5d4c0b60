"""The stored shapes of CloudWatch Logs entities (see nimbus.core.documents for the convention)."""
from __future__ import annotations

from typing import Required, TypedDict

from nimbus.core.documents import DocumentKind


class LogGroup(TypedDict, total=False):
    logGroupName: Required[str]
    creationTime: Required[int]
    arn: Required[str]  # without the ":*" DescribeLogGroups appends
    kmsKeyId: str | None
    logGroupClass: str
    deletionProtectionEnabled: bool
    retentionInDays: int | None
    storedBytes: int
    tags: dict[str, str]


class LogStream(TypedDict, total=False):
    logStreamName: Required[str]
    creationTime: Required[int]
    arn: Required[str]
    storedBytes: int
    uploadSequenceToken: str
    firstEventTimestamp: int
    lastEventTimestamp: int
    lastIngestionTime: int
    seq: int  # the next ingestion counter: the low digits of event keys (event_store.py)


LOG_GROUP = DocumentKind[LogGroup]("logs.LogGroup")
LOG_STREAM = DocumentKind[LogStream]("logs.LogStream")
