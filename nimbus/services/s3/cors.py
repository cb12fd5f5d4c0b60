"""CORS: matching a request's Origin against a bucket's rules, for preflights and actual requests."""
from __future__ import annotations

import fnmatch

from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.documents import Bucket


def _matches(pattern: str, value: str) -> bool:
    # S3 allows one "*" wildcard in an origin or header; fnmatch's other specials are escaped.
    escaped = pattern.replace("[", "[[]").replace("?", "[?]")
    return fnmatch.fnmatchcase(value.lower(), escaped.lower())


def find_rule(rules: list[dict], origin: str, method: str, headers: list[str]) -> dict | None:
    for rule in rules or []:
        if not any(_matches(o, origin) for o in rule.get("AllowedOrigins", [])):
            continue
        if method not in rule.get("AllowedMethods", []):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if all(any(_matches(a, h) for a in allowed) for h in headers):
            return rule
    return None


def response_headers(rule: dict, origin: str, request_headers: list[str] | None = None) -> dict[str, str]:
    wildcard = "*" in rule.get("AllowedOrigins", [])
    headers = {"Access-Control-Allow-Origin": "*" if wildcard else origin,
               "Access-Control-Allow-Methods": ", ".join(rule["AllowedMethods"]),
               "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"}
    if not wildcard:
        headers["Access-Control-Allow-Credentials"] = "true"
    if request_headers:
        headers["Access-Control-Allow-Headers"] = ", ".join(request_headers)
    if rule.get("ExposeHeaders"):
        headers["Access-Control-Expose-Headers"] = ", ".join(rule["ExposeHeaders"])
    if rule.get("MaxAgeSeconds") is not None:
        headers["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
    return headers


def preflight(bucket: Bucket | None, bucket_name: str, request) -> dict[str, str]:
    """The headers of a successful preflight, or the 403 S3 answers."""
    origin = request.headers.get("origin")
    method = request.headers.get("access-control-request-method")
    if not origin or not method:
        raise ServiceError("BadRequest", "Insufficient information. Origin request header needed.", status=400)
    if bucket is None:
        raise ServiceError("NoSuchBucket", "The specified bucket does not exist", status=404, BucketName=bucket_name)
    rules = (bucket.get("Config") or {}).get("Cors")
    if not rules:
        raise ServiceError("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", status=403,
                           Method=method, ResourceType="BUCKET")
    wanted = [h.strip().lower() for h in request.headers.get("access-control-request-headers", "").split(",")
              if h.strip()]
    rule = find_rule(rules, origin, method, wanted)
    if rule is None:
        raise ServiceError("AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually "
                           "because the evalution of Origin, request method / Access-Control-Request-Method or "
                           "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                           status=403, Method=method, ResourceType="OBJECT")
    return response_headers(rule, origin, wanted)


def actual_request_headers(bucket: Bucket, request) -> dict[str, str]:
    """CORS headers for a normal request that carries an Origin (none when no rule matches)."""
    origin = request.headers.get("origin") if request is not None else None
    rules = (bucket.get("Config") or {}).get("Cors")
    if not origin or not rules:
        return {}
    rule = find_rule(rules, origin, request.method if request.method != "HEAD" else "HEAD", [])
    return response_headers(rule, origin) if rule else {}
