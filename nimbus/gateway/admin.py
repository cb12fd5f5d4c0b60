"""nimbus's own endpoints under /_nimbus/: health, reset, the virtual clock, and services' own."""
from __future__ import annotations

import json

from nimbus import __version__
from nimbus.core.json_text import read_json
from nimbus.core.runtime import Runtime
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

PREFIX = "/_nimbus/"


def _json(status: int, payload) -> HttpResponse:
    return HttpResponse(status, Headers({"content-type": "application/json"}), json.dumps(payload).encode())


def _clock(runtime: Runtime) -> dict:
    return {"now": runtime.clock.now().isoformat(), "epoch": runtime.clock.time(), "offset_seconds": runtime.clock.offset}


def handle_admin(runtime: Runtime, request: HttpRequest) -> HttpResponse:
    path = request.path[len(PREFIX):].rstrip("/")
    method = request.method
    if path == "health" and method in ("GET", "HEAD"):
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
        try:
            seconds = float(read_json(request.body or b"{}")["advance_seconds"])
            if seconds < 0 or seconds != seconds:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return _json(400, {"error": "send {\"advance_seconds\": N} with N >= 0"})
        runtime.advance_clock(seconds)
        return _json(200, _clock(runtime))
    service, _, rest = path.partition("/")
    if service in runtime.services.names:
        # A service's own endpoints (e.g. SNS's signing certificate): provider.admin(request, rest).
        handler = getattr(runtime.services.get(service).provider, "admin", None)
        response = handler(request, rest) if handler else None
        if response is not None:
            return response
    return _json(404, {"error": f"no admin endpoint {method} {request.path}"})
