"""The stored shapes of S3 entities (see nimbus.core.documents for the convention).

Entities here: buckets (with their configurations), object versions, multipart uploads and their
parts. An object version's metadata record is an entity, not a compact record: it is what ListObjects,
HEAD and GET read, one JSON document per version, kept twice (every version under its key and
sequence, the latest under its key). Object bytes are the records of S3: encrypted blob segments
(storage.py), which documents only point at (``Segments``).

Fields are named as S3's API names them (``Key``, ``ETag``, ``VersionId``, ``StorageClass``,
``ContentType``); the ones with no API counterpart (``Account``, ``Seq``, ``Segments``, ``SSE``) in
the same style.
"""
from __future__ import annotations

from typing import TypedDict

from nimbus.core.documents import DocumentKind


class KmsEnvelope(TypedDict):
    """An SSE-KMS object's data key, wrapped by KMS (encryption.kms_envelope)."""
    KeyId: str
    Blob: str  # base64 CiphertextBlob
    Context: dict[str, str]  # the encryption context
    BucketKey: bool


class BucketConfig(TypedDict, total=False):
    """A bucket's configurations, each as its Put...Configuration request gave it."""
    Cors: list[dict]  # CORSRules
    Tagging: list[dict]  # TagSet
    Website: dict  # WebsiteConfiguration
    Lifecycle: list[dict]  # Rules, expiration dates as epoch seconds
    Encryption: dict  # ServerSideEncryptionConfiguration
    Notification: dict  # NotificationConfiguration
    Replication: dict  # ReplicationConfiguration
    Logging: dict  # BucketLoggingStatus.LoggingEnabled
    Inventory: dict[str, dict]  # id -> {"Configuration": InventoryConfiguration, "NextReport": epoch seconds}
    ObjectLock: dict  # ObjectLockConfiguration (object_lock.py)
    IntelligentTiering: dict[str, dict]  # Id → IntelligentTieringConfiguration (bucket_configs.py)
    Analytics: dict[str, dict]  # Id → AnalyticsConfiguration
    Metrics: dict[str, dict]  # Id → MetricsConfiguration
    Accelerate: str  # Enabled or Suspended
    RequestPayment: str  # BucketOwner or Requester
    Metadata: dict  # S3 Metadata: {"Version": 1, "Destination": ...} or {"Version": 2, "Configuration": ...}
    DefaultStorageClass: str  # DefaultStorageClassConfiguration.DefaultStorageClass
    Abac: str  # AbacStatus.Status: Enabled or Disabled


class Bucket(TypedDict, total=False):
    Name: str
    Account: str  # the owner
    Region: str
    CreationDate: float
    Versioning: str | None  # None (never enabled), Enabled, Suspended
    Config: BucketConfig
    Ownership: str  # Object Ownership; "" once deleted (ACLs then apply as before the setting)
    PublicAccessBlock: dict[str, bool] | None
    Acl: list[dict] | None  # grants
    Policy: str
    Directory: dict  # a directory bucket's Location ({Type, Name}) and DataRedundancy (directory_rules.py)


class ObjectVersion(TypedDict, total=False):
    Key: str
    VersionId: str  # "null" for the version written while versioning was off or suspended
    Seq: int  # orders a key's versions (records.version_key)
    LastModified: float
    Account: str  # who wrote it
    DeleteMarker: bool
    Size: int
    ETag: str
    Segments: list[dict]  # the blob segments of the body, in order (storage.py)
    PartSizes: list[int]  # for a multipart object: the size of each part
    PartETags: list[str]  # and each part's ETag (GetPart of a completed upload)
    PartChecksums: list[dict[str, str]]  # and each part's checksum, when the upload had an algorithm
    Checksums: dict[str, str]  # algorithm → base64 value
    SSE: str  # ServerSideEncryption
    Kms: KmsEnvelope
    ContentType: str
    ContentEncoding: str
    ContentDisposition: str
    ContentLanguage: str
    CacheControl: str
    WebsiteRedirectLocation: str
    RenameToken: str  # the ClientToken of the RenameObject that gave the version its key (directory.py)
    Expires: float
    Metadata: dict[str, str]
    StorageClass: str
    Tags: list[dict]
    Owner: str  # the owning account, when ACLs are in force
    ObjectLockMode: str  # GOVERNANCE or COMPLIANCE (object_lock.py)
    ObjectLockRetainUntilDate: float
    ObjectLockLegalHoldStatus: str  # ON or OFF
    Restore: dict[str, float]  # ReadyAt, ExpiryDate of a restore of an archived version (archive.py)
    TierResetAt: float  # when a restore moved an Intelligent-Tiering version back to its frequent tier
    Acl: list[dict] | None
    ReplicationStatus: str  # PENDING, COMPLETED or FAILED on a source version; REPLICA on its copy


class MultipartUpload(TypedDict, total=False):
    UploadId: str
    Key: str
    Initiated: float
    Account: str
    Headers: ObjectVersion  # the content headers, owner and ACL the completed object gets
    Tags: list[dict]
    ChecksumAlgorithm: str | None
    SSE: str
    Kms: KmsEnvelope
    Completed: dict  # the CompleteMultipartUpload answer, given again to a retry of a completed upload


class Part(TypedDict):
    PartNumber: int
    ETag: str
    Size: int
    Segment: dict
    LastModified: float
    Checksums: dict[str, str]


class ReplicationTask(TypedDict):
    Bucket: str  # the source bucket
    Key: str
    VersionId: str
    Kind: str  # "object" (a new version), "marker" (a delete marker) or "metadata" (tags and ACL changed)


class AccessLogRecord(TypedDict):
    Time: float  # when the request was made (virtual clock)
    Line: str  # the record in S3's server access log format


class AccountPublicAccessBlock(TypedDict, total=False):
    """An account's Block Public Access (s3control), applied with each bucket's own: either one blocks."""
    BlockPublicAcls: bool
    IgnorePublicAcls: bool
    BlockPublicPolicy: bool
    RestrictPublicBuckets: bool


class Annotation(TypedDict):
    """A named payload attached to one object version (annotations.py); its bytes are a blob segment."""
    AnnotationName: str
    Segment: dict
    Size: int
    ETag: str
    LastModified: float
    Checksums: dict[str, str]


BUCKET = DocumentKind[Bucket]("s3.Bucket")
ACCOUNT_PUBLIC_ACCESS_BLOCK = DocumentKind[AccountPublicAccessBlock]("s3.AccountPublicAccessBlock")
OBJECT_VERSION = DocumentKind[ObjectVersion]("s3.ObjectVersion")
MULTIPART_UPLOAD = DocumentKind[MultipartUpload]("s3.MultipartUpload")
PART = DocumentKind[Part]("s3.Part")
REPLICATION_TASK = DocumentKind[ReplicationTask]("s3.ReplicationTask")
ACCESS_LOG_RECORD = DocumentKind[AccessLogRecord]("s3.AccessLogRecord")
ANNOTATION = DocumentKind[Annotation]("s3.Annotation")
