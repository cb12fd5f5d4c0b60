"""What sets a directory bucket (S3 Express One Zone) apart: its name, its zone, the operations it takes, and
what a CreateSession session may do with it. Pure rules; the operations are in directory.py."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.documents import Bucket

DIRECTORY_SUFFIX = "--x-s3"
EXPRESS_STORAGE_CLASS = "EXPRESS_ONEZONE"
SESSION_SECONDS = 300  # CreateSession's credentials last five minutes, on the virtual clock
SESSION_CONTEXT = "s3ExpressSession"  # where a session principal keeps its bucket and mode
# bucket-base-name--usw2-az1--x-s3 (Availability Zone) or --usw2-lax1-az1--x-s3 (Local Zone)
_NAME = re.compile(r"^(?P<base>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)--(?P<zone>[a-z]+[0-9]+(?:-[a-z]+[0-9]+[a-z]?)?-az[0-9]+)"
                   r"--x-s3$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c", "northeast": "ne",
               "southeast": "se", "northwest": "nw", "southwest": "sw"}
# What a directory bucket serves (AWS's list of Regional and Zonal endpoint operations); anything else is 501.
SUPPORTED = frozenset((
    "CreateBucket", "DeleteBucket", "HeadBucket", "ListDirectoryBuckets", "CreateSession",
    "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy", "GetBucketEncryption", "PutBucketEncryption",
    "DeleteBucketEncryption", "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration",
    "DeleteBucketLifecycle", "PutObject", "GetObject", "HeadObject", "CopyObject", "DeleteObject", "DeleteObjects",
    "ListObjectsV2", "GetObjectAttributes", "RenameObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
    "CompleteMultipartUpload", "AbortMultipartUpload", "ListParts", "ListMultipartUploads",
))


def is_directory_name(name: str | None) -> bool:
    return bool(name) and name.endswith(DIRECTORY_SUFFIX)  # type: ignore[union-attr]


def is_directory(bucket: Bucket | None) -> bool:
    return bucket is not None and "Directory" in bucket


def directory_arn(bucket: Bucket) -> str:
    return f"arn:aws:s3express:{bucket['Region']}:{bucket['Account']}:bucket/{bucket['Name']}"


def zone_prefix(region: str) -> str:
    """The zone id prefix of a region: us-west-2 → usw2, ap-northeast-1 → apne1, eu-central-1 → euc1."""
    parts = region.split("-")
    return parts[0] + "".join(_DIRECTIONS.get(p, p) for p in parts[1:-1]) + parts[-1]


def invalid_name(name: str) -> ServiceError:
    return ServiceError("InvalidBucketName", "The specified bucket is not valid.", status=400, BucketName=name)


def directory_fields(ctx: RequestContext, name: str, params: dict) -> dict | None:
    """The ``Directory`` record of a directory bucket being created (None for a general purpose one), after
    AWS's rules: ``<base>--<zone id>--x-s3``, 3-63 characters, the zone named in ``Location`` and in the
    request's region, ``Bucket.Type`` Directory."""
    config = params.get("CreateBucketConfiguration") or {}
    kind = (config.get("Bucket") or {}).get("Type")
    if kind != "Directory" and not is_directory_name(name):
        return None
    match = _NAME.match(name)
    location = config.get("Location") or {}
    if match is None or len(name) > 63 or kind != "Directory" or name.startswith(_RESERVED_PREFIXES) \
            or location.get("Name") != match.group("zone"):
        raise invalid_name(name)
    zone = match.group("zone")
    location_type = location.get("Type") or "AvailabilityZone"
    local = zone.count("-") > 1
    redundancy = (config.get("Bucket") or {}).get("DataRedundancy") or (
        "SingleLocalZone" if local else "SingleAvailabilityZone")
    if zone.split("-")[0] != zone_prefix(ctx.region) or local != (location_type == "LocalZone") \
            or redundancy != ("SingleLocalZone" if local else "SingleAvailabilityZone") \
            or config.get("LocationConstraint"):
        raise ServiceError("InvalidLocationConstraint", "The specified location-constraint is not valid",
                           status=400, LocationConstraint=zone)
    if params.get("ObjectLockEnabledForBucket") or params.get("ACL") or params.get("ObjectOwnership") not in (
            None, "BucketOwnerEnforced"):
        raise ServiceError("InvalidArgument", "This bucket does not support the requested bucket settings.",
                           status=400)
    return {"Location": {"Type": location_type, "Name": zone}, "DataRedundancy": redundancy}


def not_implemented() -> ServiceError:
    return ServiceError("NotImplemented", "A header you provided implies functionality that is not implemented",
                        status=501)


def session_of(ctx: RequestContext) -> dict | None:
    """The bucket and mode of the CreateSession session signing this request (None: not a session)."""
    return (ctx.principal.session_context or {}).get(SESSION_CONTEXT)


def check_request(ctx: RequestContext, action: str, name: str | None, bucket: Bucket | None) -> None:
    """A session is good for its own bucket only, and a ReadOnly one for reads; a directory bucket serves its
    operations only, lists by ``/`` only and needs EXPRESS_ONEZONE objects."""
    session = session_of(ctx)
    if session is not None:
        if name != session["Bucket"]:
            raise ServiceError("AccessDenied", "The session is not valid for this bucket.", status=403)
        if session["Mode"] == "ReadOnly" and not action.startswith(("s3:Get", "s3:List")):
            raise ServiceError("AccessDenied", "This session is read-only: it cannot " + ctx.operation + ".",
                               status=403)
    if not is_directory(bucket) and not (ctx.operation == "CreateBucket" and is_directory_name(name)):
        return
    if ctx.operation not in SUPPORTED:
        raise not_implemented()
    params = ctx.params or {}
    if ctx.operation == "ListObjectsV2":
        delimiter, prefix = params.get("Delimiter"), params.get("Prefix") or ""
        if delimiter is not None and delimiter != "/":
            raise ServiceError("InvalidArgument", "Delimiter must be '/' for directory buckets.", status=400,
                               ArgumentName="delimiter", ArgumentValue=delimiter)
        if delimiter and prefix and not prefix.endswith(delimiter):
            raise ServiceError("InvalidRequest", "This bucket does not support a prefix that does not end in a "
                               "delimiter. Specify a prefix path ending with a delimiter and try again.", status=400)
    storage_class = params.get("StorageClass")
    if storage_class not in (None, EXPRESS_STORAGE_CLASS):
        raise ServiceError("InvalidStorageClass", "The storage class you specified is not valid", status=400,
                           StorageClassRequested=storage_class)
    if params.get("VersionId") not in (None, "null"):
        raise ServiceError("InvalidArgument", "Invalid version id specified", status=400,
                           ArgumentName="versionId", ArgumentValue=params["VersionId"])
    if ctx.operation in ("PutObject", "CopyObject", "CreateMultipartUpload"):
        params["StorageClass"] = EXPRESS_STORAGE_CLASS
    headers = ctx.request.headers if ctx.request is not None else {}
    if ctx.operation == "PutObject" and "x-amz-trailer" not in headers \
            and not any(params.get(member) for member in params if member.startswith("Checksum")):
        params["ChecksumAlgorithm"] = "CRC32"  # every object in a directory bucket has a checksum


# Directory bucket operations outside sessions, as IAM names them (s3express:...).
_EXPRESS_ACTIONS = {
    "CreateBucket": "CreateBucket", "DeleteBucket": "DeleteBucket", "GetBucketPolicy": "GetBucketPolicy",
    "PutBucketPolicy": "PutBucketPolicy", "DeleteBucketPolicy": "DeleteBucketPolicy",
    "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration", "DeleteBucketLifecycle": "PutLifecycleConfiguration",
}


def express_authorization(ctx: RequestContext, action: str, name: str,
                          bucket: Bucket | None) -> tuple[str, str, dict] | None:
    """How a request on a directory bucket is decided: (s3express action, the bucket's ARN, condition keys), or
    None for a call signed by a session, which its CreateSession decided (as in AWS). Other data calls (without
    a session) need what a session of the mode they need would: ``s3express:CreateSession``."""
    if session_of(ctx) is not None:
        return None
    region, account = (bucket["Region"], bucket["Account"]) if bucket else (ctx.region, ctx.account_id)
    arn = f"arn:aws:s3express:{region}:{account}:bucket/{name}"
    if action.startswith("s3express:"):
        mode = (ctx.params or {}).get("SessionMode") or "ReadWrite"
        return action, arn, ({"s3express:SessionMode": mode} if action == "s3express:CreateSession" else {})
    if ctx.operation in _EXPRESS_ACTIONS:
        return "s3express:" + _EXPRESS_ACTIONS[ctx.operation], arn, {}
    mode = "ReadOnly" if action.startswith(("s3:Get", "s3:List")) else "ReadWrite"
    return "s3express:CreateSession", arn, {"s3express:SessionMode": mode}
