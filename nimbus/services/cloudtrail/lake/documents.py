"""The stored shapes of CloudTrail Lake (see nimbus.core.documents for the convention).

- an event data store (``EventDataStore``), under its home region, keyed by its id (the ARN's last part):
  the API's members, plus ``DeletedTime`` while it is PENDING_DELETION and ``Tags`` by key;
- a query (``LakeQuery``), under the region it was started in, keyed by its id: DescribeQuery's members, the
  store ids it reads and, once FINISHED, its result (``Columns``, ``Rows``: every value as the text
  GetQueryResults answers), kept 7 days as AWS keeps results;
- an import (``LakeImport``), under the region it was started in: GetImport's members and its failures.
Times are epoch seconds (virtual clock). The events themselves are records (ingest.py): the CloudTrail
record as history.py keeps it, one document per event under ``(cloudtrail, account, region, lake, <id>)``.
"""
from __future__ import annotations

from typing import Any, Required, TypedDict

from nimbus.core.documents import DocumentKind


class EventDataStore(TypedDict, total=False):
    EventDataStoreArn: Required[str]
    Name: Required[str]
    Status: Required[str]
    AdvancedEventSelectors: Required[list[dict[str, Any]]]
    MultiRegionEnabled: Required[bool]
    OrganizationEnabled: Required[bool]
    RetentionPeriod: Required[int]  # days
    TerminationProtectionEnabled: Required[bool]
    BillingMode: Required[str]
    CreatedTimestamp: Required[float]
    UpdatedTimestamp: Required[float]
    Tags: Required[dict[str, str]]
    KmsKeyId: str
    DeletedTime: float  # when DeleteEventDataStore made it PENDING_DELETION


class LakeQuery(TypedDict, total=False):
    QueryId: Required[str]
    QueryString: Required[str]
    QueryStatus: Required[str]
    CreationTime: Required[float]
    EventDataStores: Required[list[str]]  # the ids the statement reads
    QueryAlias: str
    DeliveryS3Uri: str
    ErrorMessage: str
    EventsScanned: int
    BytesScanned: int
    ExecutionTimeInMillis: int
    Columns: list[str]
    Rows: list[list[str | None]]


class LakeImport(TypedDict, total=False):
    ImportId: Required[str]
    ImportStatus: Required[str]
    Destinations: Required[list[str]]  # event data store ARNs
    ImportSource: Required[dict[str, Any]]  # {"S3": {S3LocationUri, S3BucketRegion, S3BucketAccessRoleArn}}
    CreatedTimestamp: Required[float]
    UpdatedTimestamp: Required[float]
    StartEventTime: float
    EndEventTime: float
    ImportStatistics: dict[str, int]  # PrefixesFound, PrefixesCompleted, FilesCompleted, EventsCompleted...
    Failures: list[dict[str, Any]]  # ListImportFailures' items, LastUpdatedTime in epoch seconds


EVENT_DATA_STORE = DocumentKind[EventDataStore]("cloudtrail.EventDataStore")
LAKE_QUERY = DocumentKind[LakeQuery]("cloudtrail.LakeQuery")
LAKE_IMPORT = DocumentKind[LakeImport]("cloudtrail.LakeImport")
