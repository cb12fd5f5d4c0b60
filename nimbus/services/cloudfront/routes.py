"""How a viewer's request reaches the edge, read before any AWS routing (``traits.py``):
``<distribution id>.cloudfront.localhost`` or ``/_cloudfront/<id>/...`` on nimbus's own names, and a
distribution's domain name or alias as the Host (names nimbus does not otherwise answer as)."""
from __future__ import annotations

from nimbus.gateway.browser import host_name
from nimbus.protocol.http import HttpRequest

EDGE_HOST_SUFFIX = ".cloudfront.localhost"
EDGE_PATH_PREFIX = "/_cloudfront/"


def viewer_host(request: HttpRequest) -> str:
    return host_name(request.headers.get("host", "")).lower()


def claims_raw_request(request: HttpRequest) -> bool:
    return viewer_host(request).endswith(EDGE_HOST_SUFFIX) or request.path.startswith(EDGE_PATH_PREFIX)


def serves_host(runtime, host: str) -> bool:
    """Whether ``host`` is a distribution's domain name or alias (the provider loads on first use)."""
    return runtime.services.get("cloudfront").provider.reached_by(f"host:{host.lower()}") is not None


def fresh_hit(runtime, request: HttpRequest):
    """A fresh object from the edge's memory, answered on the event loop; None when the request needs more."""
    return runtime.services.get("cloudfront").provider.fresh_hit(request)
