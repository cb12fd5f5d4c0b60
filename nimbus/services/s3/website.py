"""Static website hosting: index and error documents, redirects.

A website request is addressed by host name, as on AWS:
``<bucket>.s3-website-<region>.localhost:4566`` or ``<bucket>.s3-website.<region>.localhost:4566``
(also ``<bucket>.s3-website.localhost:4566``). Only GET and HEAD are served; answers are
HTML pages, not XML, as the website endpoint does.
"""
from __future__ import annotations

import re
import uuid
from html import escape
from urllib.parse import unquote

from nimbus.core.context import RequestContext
from nimbus.core.identity import anonymous_principal
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import Headers, HttpResponse
from nimbus.services.s3 import access
from nimbus.services.s3.common import BUCKETS
from nimbus.services.s3.documents import BUCKET, Bucket, ObjectVersion
from nimbus.services.s3.website_rules import routing_redirect

WEBSITE_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.\-]*?)\.s3-website[.\-]", re.IGNORECASE)


def website_bucket(request) -> str | None:
    match = WEBSITE_HOST.match(request.host.split(":")[0])
    return match.group("bucket") if match else None


def html_error(status: int, code: str, message: str, extra: str = "") -> HttpResponse:
    title = {403: "403 Forbidden", 404: "404 Not Found", 405: "405 Method Not Allowed"}.get(status, str(status))
    body = (f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<ul>\n"
            f"<li>Code: {escape(code)}</li>\n<li>Message: {escape(message)}</li>\n{extra}</ul>\n<hr/>\n"
            "</body>\n</html>\n")
    return HttpResponse(status, Headers({"content-type": "text/html; charset=utf-8"}), body.encode())


def redirect(status: int, location: str) -> HttpResponse:
    return HttpResponse(status, Headers({"location": location, "content-length": "0"}), b"")


class WebsiteServer:
    """Answers website requests from the provider's own lookups (``provider._live`` and blobs)."""

    def __init__(self, provider):
        self.provider = provider

    def serve(self, request, bucket_name: str) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return html_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        bucket = BUCKET.get(self.provider.store, BUCKETS, bucket_name)
        if bucket is None:
            return html_error(404, "NoSuchBucket", "The specified bucket does not exist",
                              f"<li>BucketName: {escape(bucket_name)}</li>\n")
        config = (bucket.get("Config") or {}).get("Website")
        if not config:
            return html_error(404, "NoSuchWebsiteConfiguration",
                              "The specified bucket does not have a website configuration",
                              f"<li>BucketName: {escape(bucket_name)}</li>\n")
        everything = config.get("RedirectAllRequestsTo")
        if everything:
            scheme = everything.get("Protocol", "http")
            return redirect(301, f"{scheme}://{everything['HostName']}{request.path}")
        path = unquote(request.path).lstrip("/")
        routed = routing_redirect(config, request, path)
        if routed is not None:
            return routed
        suffix = config["IndexDocument"]["Suffix"]
        key = path + suffix if path == "" or path.endswith("/") else path
        record = self.provider._live(bucket_name, key)
        if record is None and not path.endswith("/") and self.provider._live(bucket_name, f"{path}/{suffix}"):
            return redirect(302, f"/{path}/")
        if record is None:
            # Visitors who may not list the bucket learn nothing of which keys exist: 403, as for a private key.
            status = 404 if self._public(request, bucket, None, None, "s3:ListBucket") else 403
            return routing_redirect(config, request, path, status) \
                or self._error_document(request, bucket, config, key, status)
        if not self._public(request, bucket, key, record):
            return routing_redirect(config, request, path, 403) or html_error(403, "AccessDenied", "Access Denied")
        if record.get("WebsiteRedirectLocation"):
            return redirect(301, record["WebsiteRedirectLocation"])
        return self._object(record, 200)

    def _public(self, request, bucket: Bucket, key: str | None, record: ObjectVersion | None,
                action: str = "s3:GetObject") -> bool:
        """Website visitors are anonymous: only what a bucket policy or ACL opens to anyone is served."""
        ctx = RequestContext(runtime=self.provider.runtime, request_id=uuid.uuid4().hex, service="s3",
                             operation="GetObject" if key else "ListObjects", account_id=bucket["Account"], region=bucket["Region"],
                             principal=anonymous_principal(), protocol="rest-xml", source_ip=request.source_ip,
                             user_agent=request.headers.get("user-agent", ""), request=request)
        try:
            access.authorize(ctx, action, bucket, bucket["Name"], key, record)
        except ServiceError:
            return False
        return True

    def _object(self, record: ObjectVersion, status: int) -> HttpResponse:
        if (record.get("SSE") or "AES256") != "AES256":  # SSE-KMS needs signed requests: never served here
            return html_error(403, "AccessDenied", "Access Denied")
        headers = Headers({"content-type": record.get("ContentType", "binary/octet-stream"),
                           "content-length": str(record["Size"]), "etag": record["ETag"]})
        body = self.provider.blobs.read(record["Segments"]) if record["Size"] else b""
        return HttpResponse(status, headers, body)

    def _error_document(self, request, bucket: Bucket, config: dict, key: str, status: int) -> HttpResponse:
        bucket_name = bucket["Name"]
        error_key = (config.get("ErrorDocument") or {}).get("Key")
        if error_key:
            record = self.provider._live(bucket_name, error_key)
            if record is not None and self._public(request, bucket, error_key, record):
                return self._object(record, status)
        if status == 403:
            return html_error(403, "AccessDenied", "Access Denied")
        return html_error(404, "NoSuchKey", "The specified key does not exist.", f"<li>Key: {escape(key)}</li>\n")
