"""Error responses at the edge, as CloudFront documents them ("Generating custom error responses"): the
origin's 4xx and 5xx are cached for the distribution's ``ErrorCachingMinTTL`` for that code (10 seconds
by default), and a ``CustomErrorResponses`` entry for the code replaces the body with its
``ResponsePagePath`` (fetched through the distribution, so cached like any object) and the status with its
``ResponseCode``."""
from __future__ import annotations

DEFAULT_ERROR_CACHING_TTL = 10.0
# The codes CloudFront caches and lets a custom error response name.
ERROR_CODES = frozenset((400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504))


def custom_response(config: dict, status: int) -> dict | None:
    """The distribution's custom error response for ``status``, if it has one."""
    return next((r for r in config.get("CustomErrorResponses", {}).get("Items", [])
                 if int(r["ErrorCode"]) == status), None)


def error_caching_ttl(config: dict, status: int) -> float:
    configured = custom_response(config, status)
    if configured is not None and configured.get("ErrorCachingMinTTL") is not None:
        return float(configured["ErrorCachingMinTTL"])
    return DEFAULT_ERROR_CACHING_TTL


def replacement_status(configured: dict, status: int) -> int:
    """The status the viewer gets with the custom page: ``ResponseCode`` when given, else the origin's."""
    code = str(configured.get("ResponseCode") or "").strip()
    return int(code) if code.isdigit() else status
