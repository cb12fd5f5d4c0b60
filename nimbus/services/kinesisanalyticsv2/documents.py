"""The stored shapes of Managed Service for Apache Flink (see nimbus.core.documents for the convention).

An application is one document. ``ApplicationConfiguration`` is kept in the shape CreateApplication takes
it (SQL inputs, outputs and reference data sources, and logging options, with their ids);
DescribeApplication turns it into the ``...Description`` shapes (describe.py). Every configuration change
keeps the previous document as a version (``ApplicationVersion``). ``Job`` is what the Flink engine runs
now (None when READY). Times are epoch seconds on the virtual clock.
"""
from __future__ import annotations

from typing import Any, TypedDict

from nimbus.core.documents import DocumentKind


class Job(TypedDict):
    RunId: str  # one start of the application: its working directory
    JobId: str | None  # Flink's job id, once the job is submitted
    RestUrl: str  # the Flink REST endpoint that runs it (the local mini-cluster's or --flink-jobmanager's)
    OperationId: str  # the StartApplication operation


class Application(TypedDict):
    ApplicationName: str
    ApplicationARN: str
    ApplicationDescription: str | None
    RuntimeEnvironment: str
    ServiceExecutionRole: str | None
    ApplicationMode: str
    ApplicationStatus: str  # READY, STARTING, RUNNING, STOPPING, UPDATING, DELETING, ROLLING_BACK...
    ApplicationVersionId: int
    ApplicationVersionUpdatedFrom: int | None
    ApplicationVersionRolledBackFrom: int | None
    ApplicationVersionRolledBackTo: int | None
    CreateTimestamp: float
    LastUpdateTimestamp: float
    ApplicationConfiguration: dict[str, Any]
    CloudWatchLoggingOptions: list[dict[str, Any]]  # each with CloudWatchLoggingOptionId
    RunConfiguration: dict[str, Any]  # the last StartApplication's (restore type, AllowNonRestoredState)
    MaintenanceWindowStartTime: str
    NextId: int  # the counter of the ids above ("1.1", "2.1"...)
    Tags: dict[str, str]
    Job: Job | None
    AccountId: str
    Region: str


class Snapshot(TypedDict):
    SnapshotName: str
    SnapshotStatus: str  # CREATING, READY, DELETING, FAILED
    ApplicationVersionId: int
    SnapshotCreationTimestamp: float
    RuntimeEnvironment: str
    Savepoint: str | None  # the Flink savepoint: s3://<the service's bucket>/<prefix>/ (file: in older data dirs)


class AccountSnapshot(TypedDict):
    """An account-level ("enhanced") snapshot: CreateSnapshot's of an application, or ImportSnapshot's."""
    SnapshotName: str
    SnapshotArn: str
    SnapshotDescription: str | None
    SnapshotStatus: str  # CREATING, READY, FAILED
    SnapshotCreationTimestamp: float
    RuntimeEnvironment: str | None
    SnapshotInitiatorOperation: str  # CreateSnapshot, ImportSnapshot
    Source: dict[str, Any]  # SourceApplicationDescription or S3PrefixLocation, as DescribeSnapshot names them
    Savepoint: str | None  # the Flink savepoint: s3://<the service's bucket>/<prefix>/ (file: in older data dirs)
    Tags: dict[str, str]


class SnapshotOperation(TypedDict):
    SnapshotOperationId: str
    SnapshotOperation: str  # CreateSnapshot, DeleteSnapshot, ImportSnapshot, ExportSnapshot
    SnapshotOperationStatus: str  # IN_PROGRESS, SUCCESSFUL, FAILED
    StartTime: float
    EndTime: float | None
    Details: dict[str, Any]  # the DescribeSnapshotOperation members particular to the operation
    Failure: str | None


class Operation(TypedDict):
    OperationId: str
    Operation: str  # StartApplication, StopApplication, UpdateApplication, CreateApplicationSnapshot...
    StartTime: float
    EndTime: float | None
    OperationStatus: str  # IN_PROGRESS, SUCCESSFUL, FAILED, CANCELLED
    FromVersion: int
    ToVersion: int
    Failure: str | None  # the error message of a FAILED operation


APPLICATION = DocumentKind[Application]("kinesisanalyticsv2.Application")
APPLICATION_VERSION = DocumentKind[Application]("kinesisanalyticsv2.ApplicationVersion")
SNAPSHOT = DocumentKind[Snapshot]("kinesisanalyticsv2.Snapshot")
OPERATION = DocumentKind[Operation]("kinesisanalyticsv2.Operation")
ACCOUNT_SNAPSHOT = DocumentKind[AccountSnapshot]("kinesisanalyticsv2.AccountSnapshot")
SNAPSHOT_OPERATION = DocumentKind[SnapshotOperation]("kinesisanalyticsv2.SnapshotOperation")
