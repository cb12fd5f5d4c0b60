"""Reading from a distribution's origins: S3 buckets (REST endpoints) through the internal client, and
custom HTTP origins at any URL. Both answer an ``OriginResponse``; an origin that cannot be reached is
CloudFront's 502, one that does not answer in time its 504."""
from __future__ import annotations

import http.client
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from nimbus.core.arns import S3_DOMAIN
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.serializers import serialize_error, serialize_response

from .origin_reader import OriginAccess
from .website_origin import WEBSITE_DOMAIN, from_website

# bucket.s3.amazonaws.com, bucket.s3.us-east-1.amazonaws.com, bucket.s3-us-west-2.amazonaws.com
# What S3 answers a write nobody signed: the edge does not pass writes on to a REST bucket origin (not yet).
_S3_ACCESS_DENIED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                     b'<Message>Access Denied</Message></Error>')
# Hop-by-hop headers belong to one connection, never to the object the edge caches and serves.
_HOP_BY_HOP = frozenset(("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authenticate", "proxy-authorization", "content-length", "x-amz-request-id",
                         "x-amz-id-2", "date", "server"))


@dataclass
class OriginResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class OriginFailed(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def fetch(runtime, access: OriginAccess, origin: dict, method: str, path: str, query: str,
          conditions: dict[str, str], body: bytes = b"") -> OriginResponse:
    """The origin's answer to ``method path?query`` (with the viewer's headers the behaviour forwards and
    the conditional headers of a revalidation: ``conditions``; an S3 origin reads only the latter), or to a
    request the edge passes on with its ``body``."""
    full_path = origin.get("OriginPath", "") + path
    if WEBSITE_DOMAIN.match(origin["DomainName"]):
        page = from_website(runtime, origin["DomainName"], method, full_path)
        return OriginResponse(page.status, _kept(page.headers.items()), page.body_bytes())
    if "CustomOriginConfig" not in origin and S3_DOMAIN.match(origin["DomainName"]):
        if method not in ("GET", "HEAD"):
            return OriginResponse(403, [("Content-Type", "application/xml")], _S3_ACCESS_DENIED)
        return _from_s3(runtime, access, S3_DOMAIN.match(origin["DomainName"])["bucket"], method, full_path,
                        conditions)
    return _from_http(origin, method, full_path + (f"?{query}" if query else ""), conditions, body)


def _from_s3(runtime, access: OriginAccess, bucket: str, method: str, path: str,
             conditions: dict[str, str]) -> OriginResponse:
    """Read as the distribution's origin access (``origin_reader``): the bucket's policy decides."""

    s3 = runtime.services.get("s3")
    operation_name = "HeadObject" if method == "HEAD" else "GetObject"
    operation = s3.model.operation_model(operation_name)
    params = {"Bucket": bucket, "Key": unquote(path.lstrip("/"))}
    if "if-none-match" in conditions:
        params["IfNoneMatch"] = conditions["if-none-match"]
    if "if-modified-since" in conditions:
        params["IfModifiedSince"] = parsedate_to_datetime(conditions["if-modified-since"])
    request_id = str(uuid.uuid4())
    try:
        output = runtime.client.call("s3", operation_name, params, account_id=access.account, region="us-east-1",
                                     principal=access.principal, source=access.source)
        response = serialize_response(operation, output, "rest-xml", request_id)
    except ServiceError as error:
        response = serialize_error(s3.model, operation, error, "rest-xml", request_id)
    return OriginResponse(response.status, _kept(response.headers.items()), response.body_bytes())


def _from_http(origin: dict, method: str, target: str, conditions: dict[str, str], body: bytes) -> OriginResponse:
    config = origin["CustomOriginConfig"]
    if config.get("OriginProtocolPolicy") == "https-only":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            origin["DomainName"], config.get("HTTPSPort", 443), timeout=config.get("OriginReadTimeout", 30))
    else:
        connection = http.client.HTTPConnection(origin["DomainName"], config.get("HTTPPort", 80),
                                                timeout=config.get("OriginReadTimeout", 30))
    custom = {h["HeaderName"]: h["HeaderValue"] for h in origin.get("CustomHeaders", {}).get("Items", [])}
    # The origin's custom headers win over a viewer's of the same name (a shared secret stays the edge's).
    overridden = {name.lower() for name in custom}
    headers = {**{k: v for k, v in conditions.items() if k.lower() not in overridden}, **custom}
    try:
        connection.request(method, target, body=body or None, headers=headers)
        answer = connection.getresponse()
        content = answer.read()
    except TimeoutError as error:
        raise OriginFailed(504, f"the origin did not answer in time: {error}") from error
    except OSError as error:
        raise OriginFailed(502, f"the origin could not be reached: {error}") from error
    finally:
        connection.close()
    return OriginResponse(answer.status, _kept(answer.getheaders()), content)


def _kept(headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]


def http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
