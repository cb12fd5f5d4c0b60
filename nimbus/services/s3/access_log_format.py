"""One S3 request as a line of S3's server access log format (space-separated, ``-`` for none)::

    owner bucket [06/Feb/2019:00:00:38 +0000] ip requester request-id operation key "request-uri" status
    error-code bytes-sent object-size total-time turn-around-time "referer" "user-agent" version-id host-id
    signature-version cipher-suite auth-type host-header tls-version access-point-arn acl-required
"""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

from nimbus.core.events import ApiCallEvent
from nimbus.services.s3.acl import canonical_id

# AWS's operation names where they are not REST.<METHOD>.<OBJECT|BUCKET>.
_OPERATIONS = {
    "CopyObject": "REST.COPY.OBJECT", "UploadPart": "REST.PUT.PART", "UploadPartCopy": "REST.COPY.PART",
    "CreateMultipartUpload": "REST.POST.UPLOADS", "CompleteMultipartUpload": "REST.POST.UPLOAD",
    "AbortMultipartUpload": "REST.DELETE.UPLOAD", "ListParts": "REST.GET.UPLOAD",
    "ListMultipartUploads": "REST.GET.UPLOADS", "ListObjectVersions": "REST.GET.BUCKETVERSIONS",
    "DeleteObjects": "REST.POST.MULTI_OBJECT_DELETE", "GetBucketAcl": "REST.GET.ACL", "PutBucketAcl": "REST.PUT.ACL",
    "GetObjectAcl": "REST.GET.ACL", "PutObjectAcl": "REST.PUT.ACL", "GetBucketPolicy": "REST.GET.BUCKETPOLICY",
    "PutBucketPolicy": "REST.PUT.BUCKETPOLICY", "GetBucketVersioning": "REST.GET.VERSIONING",
    "PutBucketVersioning": "REST.PUT.VERSIONING", "GetBucketLogging": "REST.GET.LOGGING_STATUS",
    "PutBucketLogging": "REST.PUT.LOGGING_STATUS", "GetObjectTagging": "REST.GET.OBJECT_TAGGING",
    "PutObjectTagging": "REST.PUT.OBJECT_TAGGING", "GetBucketTagging": "REST.GET.TAGGING",
    "PutBucketTagging": "REST.PUT.TAGGING", "GetBucketLocation": "REST.GET.LOCATION",
}
# HTTP statuses of the errors a log most often shows; other errors are logged as 400.
_STATUSES = {"AccessDenied": 403, "NoSuchKey": 404, "NoSuchBucket": 404, "NoSuchVersion": 404, "NoSuchUpload": 404,
             "MethodNotAllowed": 405, "PreconditionFailed": 412, "NotModified": 304, "InvalidRange": 416,
             "InternalError": 500, "NotImplemented": 501}


def operation_name(operation: str, method: str, key: str | None) -> str:
    return _OPERATIONS.get(operation) or f"REST.{method}.{'OBJECT' if key is not None else 'BUCKET'}"


def _field(value) -> str:
    return "-" if value is None or value == "" else str(value)


def log_line(event: ApiCallEvent, owner_account: str, method: str) -> str:
    params, response = event.request_parameters or {}, event.response or {}
    bucket, key = params.get("Bucket", ""), params.get("Key")
    anonymous = event.principal.get("type") == "Anonymous"
    status = _STATUSES.get(event.error_code, 400) if event.error_code else (204 if method == "DELETE" else 200)
    size = response.get("ContentLength") if event.operation in ("GetObject", "HeadObject") else None
    sent = size if event.operation == "GetObject" and not event.error_code else None
    uri = f"/{bucket}" + (f"/{quote(key)}" if key is not None else "")
    host_id = base64.b64encode(hashlib.sha256(event.request_id.encode()).digest()).decode()
    fields = [
        canonical_id(owner_account), bucket, event.time.strftime("[%d/%b/%Y:%H:%M:%S +0000]"),
        _field(event.source_ip), "-" if anonymous else _field(event.principal.get("arn")), event.request_id,
        operation_name(event.operation, method, key), _field(quote(key) if key is not None else None),
        f'"{method} {uri} HTTP/1.1"', str(status), _field(event.error_code), _field(sent), _field(size), "1", "1",
        '"-"', f'"{event.user_agent or "-"}"', _field(params.get("VersionId") or response.get("VersionId")),
        host_id, "-" if anonymous else "SigV4", "-", "-" if anonymous else "AuthHeader", _field(event.host),
        "-", "-", "-",
    ]
    return " ".join(fields)
