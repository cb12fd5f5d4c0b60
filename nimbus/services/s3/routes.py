"""How S3's requests find their operation where its model's URI templates alone cannot tell.

Buckets may be named in the host (virtual-host addressing); several operations share a method and
template; CORS preflights and website endpoints have no model operation at all.
"""
from __future__ import annotations

import re

from nimbus.protocol.http import HttpRequest

# Buckets addressed in the host name: bucket.s3.localhost, bucket.s3.us-east-1.amazonaws.com...
VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.\-]*?)\.s3[.\-]", re.IGNORECASE)
# Directory buckets name themselves in any host: boto3 puts one before a custom endpoint's host
# (bucket--usw2-az1--x-s3.localhost:4566), AWS before its zonal one (....s3express-usw2-az1.us-west-2...).
DIRECTORY_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9\-]*--[a-z0-9\-]+--x-s3)\.", re.IGNORECASE)
WEBSITE_HOST = ".s3-website"


def is_form_upload(request: HttpRequest) -> bool:
    """A browser's POST of an HTML form (post_upload.py, imported with the provider, not with the routes)."""
    return request.method == "POST" and not request.query_string \
        and request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def path_style(request: HttpRequest) -> str:
    """Rewrite virtual-host addressing to the path style the model's templates describe."""
    host = request.host.split(":")[0]
    match = DIRECTORY_HOST.match(host) or VIRTUAL_HOST.match(host)
    if match is None:
        return request.path
    return "/" + match.group("bucket") + (request.path if request.path != "/" else "")


def claims_raw_request(request: HttpRequest) -> bool:
    """CORS preflights (OPTIONS, in path style), browser form uploads (POST to a bucket, in path style)
    and website endpoints: the provider's ``handle_raw``."""
    if WEBSITE_HOST in request.host.lower():
        return True
    if request.method != "OPTIONS" and not is_form_upload(request):
        return False
    request.path = path_style(request)
    return True


# Operations that share a method and URI template: told apart by the uploadId query parameter and the
# x-amz-copy-source header, or the current API of a legacy pair.
_SAME_ROUTE = {
    "PUT": lambda upload, copy: ("UploadPartCopy" if copy else "UploadPart") if upload else
    ("CopyObject" if copy else "PutObject"),
    "GET": lambda upload, copy: "ListParts" if upload else "GetObject",
    "DELETE": lambda upload, copy: "AbortMultipartUpload" if upload else "DeleteObject",
}
_KEY_OPERATIONS = frozenset(("CopyObject", "PutObject", "UploadPart", "UploadPartCopy", "GetObject", "ListParts",
                             "AbortMultipartUpload", "DeleteObject"))
_PREFERRED = {"GetBucketLifecycle": "GetBucketLifecycleConfiguration",
              "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
              "GetBucketNotification": "GetBucketNotificationConfiguration",
              "PutBucketNotification": "PutBucketNotificationConfiguration"}


# Configurations by Id share a route with their listing: an ``id`` query parameter names one.
_BY_ID = {f"{verb}Bucket{kind}Configuration{'s' if verb == 'List' else ''}": kind
          for kind in ("Analytics", "Metrics", "IntelligentTiering", "Inventory") for verb in ("Get", "List")}


def refine_operation(request: HttpRequest, operation: str) -> str:
    if operation in ("GetObjectAnnotation", "ListObjectAnnotations"):  # one annotation, or all of them
        return "GetObjectAnnotation" if "annotationName" in request.query else "ListObjectAnnotations"
    if operation in ("ListBuckets", "ListDirectoryBuckets"):  # GET /: the signing name tells them apart
        return "ListDirectoryBuckets" if _signed_as_s3express(request) else "ListBuckets"
    if operation in _BY_ID:
        kind = _BY_ID[operation]
        return f"GetBucket{kind}Configuration" if "id" in request.query else f"ListBucket{kind}Configurations"
    if operation in _KEY_OPERATIONS:
        choose = _SAME_ROUTE[request.method]
        return choose("uploadId" in request.query, "x-amz-copy-source" in request.headers)
    return _PREFERRED.get(operation, operation)


def _signed_as_s3express(request: HttpRequest) -> bool:
    credential = request.query.get("X-Amz-Credential") or request.headers.get("authorization", "")
    return "/s3express/aws4_request" in credential
