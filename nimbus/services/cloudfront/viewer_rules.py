"""What a behaviour lets a viewer do before any cache or origin is involved: the viewer protocol policy
(``redirect-to-https``, ``https-only``) and the allowed methods, as CloudFront answers them."""
from __future__ import annotations

from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

from .answers import edge_headers, error_page

READ_METHODS = ("GET", "HEAD")
# Origin groups fail over only for these (CloudFront's rule): the others may change the origin's state.
IDEMPOTENT_READS = frozenset(("GET", "HEAD", "OPTIONS"))


def allowed_methods(behaviour: dict) -> list[str]:
    return behaviour.get("AllowedMethods", {}).get("Items", list(READ_METHODS))


def cached_methods(behaviour: dict) -> list[str]:
    return behaviour.get("AllowedMethods", {}).get("CachedMethods", {}).get("Items", list(READ_METHODS))


def refusal(request: HttpRequest, behaviour: dict, domain: str) -> HttpResponse | None:
    """CloudFront's answer when the behaviour refuses the request as made, else None. The scheme is the
    viewer's as the gateway sees it (X-Forwarded-Proto counts behind ``--trust-proxy``)."""
    policy = behaviour.get("ViewerProtocolPolicy", "allow-all")
    if request.scheme != "https" and policy == "redirect-to-https":
        query = f"?{request.query_string}" if request.query_string else ""
        headers = {"location": f"https://{request.host}{request.path}{query}", "content-length": "0",
                   "server": "CloudFront", **edge_headers(domain, "Redirect")}
        return HttpResponse(301, Headers(headers), b"")
    if request.scheme != "https" and policy == "https-only":
        return error_page(403, "This distribution requires viewers to use HTTPS.")
    if request.method not in allowed_methods(behaviour):
        return error_page(403, "This distribution is not configured to allow the HTTP request method that was "
                          "used for this request. The distribution supports only cachable requests.")
    return None
