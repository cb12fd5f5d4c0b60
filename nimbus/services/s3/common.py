"""What the S3 topic modules share: namespaces, errors, bucket lookup and the access-control hook."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError
from nimbus.store.decoded_cache import keep_decoded

BUCKETS = ("s3", "buckets")
# Each account's Block Public Access (s3control's), by account id.
ACCOUNT_BLOCKS = ("s3", "account-public-access-block")


def objects_ns(bucket: str) -> tuple[str, ...]:
    """The latest version of each key (which may be a delete marker)."""
    return ("s3", "objects", bucket)


# Read by every object call (a bucket, its account's Block Public Access, a key's latest version): kept decoded.
keep_decoded(*BUCKETS)
keep_decoded(*ACCOUNT_BLOCKS)
keep_decoded("s3", "objects", None)


def versions_ns(bucket: str) -> tuple[str, ...]:
    """Every version, keyed ``<key>\\x01<inverted sequence>`` so a key's versions list newest first."""
    return ("s3", "versions", bucket)


def uploads_ns(bucket: str) -> tuple[str, ...]:
    return ("s3", "uploads", bucket)


def parts_ns(upload_id: str) -> tuple[str, ...]:
    return ("s3", "parts", upload_id)


def annotations_ns(bucket: str) -> tuple[str, ...]:
    """Object annotations, keyed ``<key>\x01<version id>\x01<name>`` (annotations.py)."""
    return ("s3", "annotations", bucket)


def annotation_prefix(record) -> str:
    """The keys of one object version's annotations start with this."""
    return f"{record['Key']}\x01{record['VersionId']}\x01"


def no_such_bucket(name: str) -> ServiceError:
    return ServiceError("NoSuchBucket", "The specified bucket does not exist", status=404, BucketName=name)


def no_such_key(key: str) -> ServiceError:
    return ServiceError("NoSuchKey", "The specified key does not exist.", status=404, Key=key)


def no_such_version(key: str, version_id: str) -> ServiceError:
    return ServiceError("NoSuchVersion", "The specified version does not exist.", status=404, Key=key,
                        VersionId=version_id)


def no_such_upload(upload_id: str) -> ServiceError:
    return ServiceError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the "
                        "upload may have been aborted or completed.", status=404, UploadId=upload_id)


# S3's longest object key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024


def check_key_length(key: str) -> None:
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise ServiceError("KeyTooLongError", "Your key is too long", status=400,
                           Size=str(size), MaxSizeAllowed=str(MAX_KEY_BYTES))


def malformed_xml() -> ServiceError:
    return ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against "
                        "our published schema", status=400)


def invalid_argument(message: str, name: str | None = None, value: str | None = None) -> ServiceError:
    fields = {"ArgumentName": name, "ArgumentValue": value} if name else {}
    return ServiceError("InvalidArgument", message, status=400, **fields)
