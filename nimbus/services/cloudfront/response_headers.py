"""A response headers policy applied to what the edge answers a viewer ("Add or remove HTTP headers in
CloudFront responses with a policy"): CORS headers for requests with an ``Origin`` (and a preflight
answered from the policy), security headers, custom headers, headers removed, and ``Server-Timing``.
A header the policy sets replaces the origin's only where the policy says ``Override``
(``OriginOverride`` for CORS); otherwise the origin's own value stays."""
from __future__ import annotations

import random

from nimbus.core.policy.patterns import glob
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

_ALL_METHODS = "GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT"
_SERVER_TIMING = {"Hit": "cdn-cache-hit", "RefreshHit": "cdn-cache-refresh", "Miss": "cdn-cache-miss",
                  "Error": "cdn-cache-miss"}


def is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS" and "origin" in request.headers and \
        "access-control-request-method" in request.headers


def preflight_answer(policy: dict | None, request: HttpRequest) -> HttpResponse | None:
    """The edge's own answer to a CORS preflight when the policy's CORS settings override the origin's
    anyway (``OriginOverride``): the origin is not asked. None when the origin answers it."""
    cors = (policy or {}).get("CorsConfig")
    if cors is None or not cors["OriginOverride"] or not is_preflight(request):
        return None
    headers = Headers({"content-length": "0"})
    allowed = _allowed_origin(cors, request.headers["origin"])
    if allowed is not None:
        _set_cors(headers, cors, allowed, preflight=True, override=True)
    return HttpResponse(200, headers, b"")


def apply(policy: dict, request: HttpRequest, headers: Headers, outcome: str, pop: str) -> None:
    """Change ``headers`` (the origin's, about to go to the viewer) as the policy says."""
    cors = policy.get("CorsConfig")
    if cors is not None and "origin" in request.headers:
        allowed = _allowed_origin(cors, request.headers["origin"])
        if allowed is not None:
            _set_cors(headers, cors, allowed, preflight=is_preflight(request), override=cors["OriginOverride"])
    for name, value, override in _security_headers(policy.get("SecurityHeadersConfig") or {}):
        _put(headers, name, value, override)
    for custom in (policy.get("CustomHeadersConfig") or {}).get("Items", []):
        _put(headers, custom["Header"], custom["Value"], custom["Override"])
    for removed in (policy.get("RemoveHeadersConfig") or {}).get("Items", []):
        headers.pop(removed["Header"].lower(), None)
    timing = policy.get("ServerTimingHeadersConfig") or {}
    if timing.get("Enabled") and random.uniform(0, 100) < timing.get("SamplingRate", 0):
        headers["server-timing"] = f'{_SERVER_TIMING.get(outcome, "cdn-cache-miss")},cdn-pop;desc="{pop}"'


def _put(headers: Headers, name: str, value: str, override: bool) -> None:
    if override or name not in headers:
        headers[name] = value


def _allowed_origin(cors: dict, origin: str) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for the viewer's ``Origin``, or None when not allowed."""
    for allowed in cors["AccessControlAllowOrigins"].get("Items", []):
        if allowed == "*":
            return "*"
        if glob(allowed, ignore_case=True)(origin):
            return origin
    return None


def _set_cors(headers: Headers, cors: dict, allowed: str, preflight: bool, override: bool) -> None:
    values = {"access-control-allow-origin": allowed}
    if cors["AccessControlAllowCredentials"]:
        values["access-control-allow-credentials"] = "true"
    if preflight:
        methods = cors["AccessControlAllowMethods"].get("Items", [])
        values["access-control-allow-methods"] = _ALL_METHODS if "ALL" in methods else ", ".join(methods)
        values["access-control-allow-headers"] = ", ".join(cors["AccessControlAllowHeaders"].get("Items", []))
        if cors.get("AccessControlMaxAgeSec") is not None:
            values["access-control-max-age"] = str(cors["AccessControlMaxAgeSec"])
    else:
        exposed = (cors.get("AccessControlExposeHeaders") or {}).get("Items", [])
        if exposed:
            values["access-control-expose-headers"] = ", ".join(exposed)
    for name, value in values.items():
        _put(headers, name, value, override)


def _security_headers(config: dict) -> list[tuple[str, str, bool]]:
    out = []
    if "StrictTransportSecurity" in config:
        hsts = config["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}" + ("; includeSubDomains" if hsts.get(
            "IncludeSubdomains") else "") + ("; preload" if hsts.get("Preload") else "")
        out.append(("strict-transport-security", value, hsts["Override"]))
    if "XSSProtection" in config:
        xss = config["XSSProtection"]
        value = "0" if not xss["Protection"] else "1" + ("; mode=block" if xss.get("ModeBlock") else "") + (
            f"; report={xss['ReportUri']}" if xss.get("ReportUri") else "")
        out.append(("x-xss-protection", value, xss["Override"]))
    if "FrameOptions" in config:
        out.append(("x-frame-options", config["FrameOptions"]["FrameOption"], config["FrameOptions"]["Override"]))
    if "ContentTypeOptions" in config:
        out.append(("x-content-type-options", "nosniff", config["ContentTypeOptions"]["Override"]))
    if "ReferrerPolicy" in config:
        out.append(("referrer-policy", config["ReferrerPolicy"]["ReferrerPolicy"],
                    config["ReferrerPolicy"]["Override"]))
    if "ContentSecurityPolicy" in config:
        csp = config["ContentSecurityPolicy"]
        out.append(("content-security-policy", csp["ContentSecurityPolicy"], csp["Override"]))
    return out
