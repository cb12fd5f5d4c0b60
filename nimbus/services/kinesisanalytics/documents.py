"""The stored shapes of Kinesis Data Analytics v1 (see nimbus.core.documents for the convention).

An application is one document, named as CreateApplication and DescribeApplication name its members.
Inputs, outputs, reference data sources and logging options are kept in the shape CreateApplication
takes them (``KinesisStreamsInput``, ``S3ReferenceDataSource``...) with their ids; DescribeApplication
turns them into the ``...Description`` shapes. ``StatusSince`` is when the status last changed (epoch
seconds on the virtual clock): the transitional states settle from it. Times are epoch seconds;
``ApplicationVersionId`` is the integer the API counts.
"""
from __future__ import annotations

from typing import Any, TypedDict

from nimbus.core.documents import DocumentKind


class Application(TypedDict):
    ApplicationName: str
    ApplicationARN: str
    ApplicationDescription: str | None
    ApplicationStatus: str  # READY, STARTING, RUNNING, STOPPING, UPDATING or DELETING
    StatusSince: float
    CreateTimestamp: float
    LastUpdateTimestamp: float
    ApplicationVersionId: int
    ApplicationCode: str | None
    Inputs: list[dict[str, Any]]  # each with InputId
    Outputs: list[dict[str, Any]]  # each with OutputId
    ReferenceDataSources: list[dict[str, Any]]  # each with ReferenceId
    CloudWatchLoggingOptions: list[dict[str, Any]]  # each with CloudWatchLoggingOptionId
    StartedAt: float | None  # when it was last started: where NOW reads from
    NextId: int  # the counter of the ids above ("1.1", "1.2"...)
    Tags: dict[str, str]
    AccountId: str
    Region: str


class ReadCheckpoint(TypedDict):
    """The last record of an input shard whose results were written (one per shard)."""
    SequenceNumber: str


APPLICATION = DocumentKind[Application]("kinesisanalytics.Application")
