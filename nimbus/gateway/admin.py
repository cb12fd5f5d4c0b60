"""nimbus's own endpoints under /_nimbus/: health, reset, the virtual clock, and services' own.

They change the whole server (a reset wipes every account), so they take more care than their size
suggests: a request from a web page on another origin is refused, a request that changes anything must
be ``application/json`` (which a page cannot send to another origin without a CORS preflight nimbus
never grants), and under ``--strict-auth`` every one but the health check needs the admin token nimbus
writes to its data dir at start (``X-Nimbus-Admin-Token``) or a SigV4 signature by an account's root.
"""
from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime, timedelta

from nimbus import __version__
from nimbus.core.json_text import read_json
from nimbus.core.runtime import Runtime
from nimbus.gateway.browser import foreign_origin
from nimbus.gateway.sigv4 import read_signature, verify_signature
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

PREFIX = "/_nimbus/"
TOKEN_HEADER = "x-nimbus-admin-token"
YEAR = 365.25 * 86400
# One jump, and the clock's whole lead over real time: far past any test's needs, and far below the
# year 9999 where dates stop working.
MAX_ADVANCE_SECONDS = 100 * YEAR
MAX_OFFSET_SECONDS = 1000 * YEAR
READS = ("GET", "HEAD")


def _json(status: int, payload) -> HttpResponse:
    return HttpResponse(status, Headers({"content-type": "application/json"}), json.dumps(payload).encode())


def _clock(runtime: Runtime) -> dict:
    return {"now": runtime.clock.now().isoformat(), "epoch": runtime.clock.time(), "offset_seconds": runtime.clock.offset}


def handle_admin(runtime: Runtime, request: HttpRequest) -> HttpResponse:
    path = request.path[len(PREFIX):].rstrip("/")
    refused = _refusal(runtime, request, path)
    if refused is not None:
        return refused
    method = request.method
    if path == "health" and method in READS:
        services = {name: ("loaded" if runtime.services.is_loaded(name) else "available")
                    for name in runtime.services.names}
        return _json(200, {"version": __version__, "status": "running", "services": services,
                           "ephemeral": runtime.config.ephemeral, "settings": runtime.config.public()})
    if path == "reset" and method == "POST":
        runtime.reset()
        return _json(200, {"reset": True})
    if path == "clock" and method == "GET":
        return _json(200, _clock(runtime))
    if path == "clock" and method == "POST":
        return _advance(runtime, request)
    service, _, rest = path.partition("/")
    if service == "oidc":  # nimbus's test OIDC issuers are STS's: /_nimbus/oidc/<name>/...
        service, rest = "sts", path
    if service in runtime.services.names:
        # A service's own endpoints (e.g. SNS's signing certificate): provider.admin(request, rest).
        handler = getattr(runtime.services.get(service).provider, "admin", None)
        response = handler(request, rest) if handler else None
        if response is not None:
            return response
    return _json(404, {"error": f"no admin endpoint {method} {request.path}"})


def _refusal(runtime: Runtime, request: HttpRequest, path: str) -> HttpResponse | None:
    origin = foreign_origin(runtime.config, request)
    if origin is not None:
        return _json(403, {"error": f"a web page on {origin} may not use nimbus's admin endpoints"})
    if request.method not in READS:
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            return _json(415, {"error": "send admin requests as Content-Type: application/json"})
    if runtime.config.strict_auth and not (path == "health" and request.method in READS):
        if not _has_token(runtime, request) and not _signed_by_root(runtime, request):
            return _json(403, {"error": f"--strict-auth: send the admin token (the {TOKEN_HEADER} header; "
                               "`nimbus` commands read it from the data dir) or sign with root credentials"})
    return None


def _has_token(runtime: Runtime, request: HttpRequest) -> bool:
    given = request.headers.get(TOKEN_HEADER)
    return given is not None and hmac.compare_digest(given.encode(), runtime.admin_token.encode())


def _signed_by_root(runtime: Runtime, request: HttpRequest) -> bool:
    try:
        info = read_signature(request)
        if info is None or info.presigned:
            return False
        credential = runtime.credentials.lookup(info.access_key_id)
        if credential is None or credential.principal.type != "Root" or credential.session_token is not None:
            return False
        verify_signature(request, info, credential.secret_access_key, datetime.now(UTC),
                         timedelta(seconds=runtime.config.max_clock_skew_seconds))
    except ServiceError:
        return False
    return True


def _advance(runtime: Runtime, request: HttpRequest) -> HttpResponse:
    try:
        seconds = read_json(request.body or b"{}")["advance_seconds"]
        # NaN and infinities fail the range; a bool is not a number of seconds.
        valid = isinstance(seconds, (int, float)) and not isinstance(seconds, bool) \
            and 0 <= float(seconds) <= MAX_ADVANCE_SECONDS
    except (ValueError, KeyError, TypeError, OverflowError):
        valid = False
    if not valid:
        return _json(400, {"error": f"send {{\"advance_seconds\": N}} with 0 <= N <= {MAX_ADVANCE_SECONDS:.0f} "
                           "(100 years)"})
    if runtime.clock.offset + seconds > MAX_OFFSET_SECONDS:
        return _json(400, {"error": "the virtual clock may run at most 1000 years ahead of real time"})
    runtime.advance_clock(seconds)
    return _json(200, _clock(runtime))
