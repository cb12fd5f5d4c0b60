"""A website configuration's ``RoutingRules``, as the website endpoint applies them: the first rule whose
``Condition`` matches (``KeyPrefixEquals`` on the requested key, ``HttpErrorCodeReturnedEquals`` on the error
the request would get; both when both are given) redirects with its ``Redirect``: ``ReplaceKeyWith`` or
``ReplaceKeyPrefixWith`` for the key, ``HostName`` and ``Protocol`` (else the request's), ``HttpRedirectCode``
(else 301)."""
from __future__ import annotations

from nimbus.protocol.http import Headers, HttpResponse


def routing_redirect(config: dict, request, key: str, error: int | None = None) -> HttpResponse | None:
    """The redirect a rule makes for ``key`` (with the ``error`` status it would otherwise get, if any)."""
    for rule in config.get("RoutingRules") or []:
        condition = rule.get("Condition") or {}
        prefix = condition.get("KeyPrefixEquals")
        code = condition.get("HttpErrorCodeReturnedEquals")
        if (code is None and error is not None) or (code is not None and str(error) != str(code)):
            continue
        if prefix is not None and not key.startswith(prefix):
            continue
        return _redirect(rule["Redirect"], request, key, prefix or "")
    return None


def _redirect(redirect: dict, request, key: str, prefix: str) -> HttpResponse:
    if redirect.get("ReplaceKeyWith") is not None:
        key = redirect["ReplaceKeyWith"]
    elif redirect.get("ReplaceKeyPrefixWith") is not None:
        key = redirect["ReplaceKeyPrefixWith"] + key[len(prefix):]
    host = redirect.get("HostName") or request.host
    scheme = redirect.get("Protocol") or request.scheme
    status = int(redirect.get("HttpRedirectCode") or 301)
    return HttpResponse(status, Headers({"location": f"{scheme}://{host}/{key}", "content-length": "0"}), b"")
