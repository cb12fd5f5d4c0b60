"""What a web page in a browser on this machine may make nimbus do: nothing it did not mean to allow.

- **Host.** A page on an attacker's name that re-resolves to 127.0.0.1 (DNS rebinding) talks to nimbus
  as a same-origin page and reads every answer. Its requests carry the attacker's name as Host, so nimbus
  answers only requests addressed to a loopback address, ``localhost``, a ``*.localhost`` name, the
  address it is bound to, or a name given with ``--hostname`` (and its sub-domains, for S3's
  virtual-hosted buckets).
- **Origin.** A page on another origin cannot read nimbus's answers (no CORS headers), but a "simple"
  request (a form POST, ``text/plain``) still runs. Browsers name the page's origin in ``Origin``; a
  request from a foreign origin is refused unless the service answers browsers by its own CORS rules
  (S3's bucket CORS: the ``browser_cors`` trait).
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from nimbus.config import Config
from nimbus.core.traits import ServiceTraits
from nimbus.gateway.auth import JSON_PROTOCOLS
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest

DEFAULT_PORTS = {"http": 80, "https": 443}


# Host prefixes botocore puts before the endpoint's host for some operations (the model's ``hostPrefix``:
# CloudWatch Logs' StartLiveTail goes to ``stream-<host>``): the name behind the prefix decides.
HOST_PREFIXES = ("stream-", "streaming-")


def allowed_host_name(config: Config, name: str) -> bool:
    name = name.lower().rstrip(".")
    for prefix in HOST_PREFIXES:
        name = name.removeprefix(prefix)
    if name == "localhost" or name.endswith(".localhost") or name == config.host.lower():
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        pass
    return any(name == given.lower() or name.endswith("." + given.lower()) for given in config.hostname)


def host_name(host: str) -> str:
    if host.startswith("["):  # [::1]:4566
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def host_refusal(config: Config, request: HttpRequest) -> ServiceError | None:
    """The error for a request addressed to a host nimbus does not answer as (None: it does)."""
    host = request.headers.get("host")
    if host is None or allowed_host_name(config, host_name(host)):
        return None
    return ServiceError("HostNotAllowed", f"nimbus does not answer requests addressed to {host!r}; start it "
                        "with --hostname (NIMBUS_HOSTNAME) naming that host to allow it.", status=403)


def foreign_origin(config: Config, request: HttpRequest) -> str | None:
    """The request's Origin when it is another site's than nimbus's own (None when absent or its own)."""
    origin = request.headers.get("origin")
    if origin is None:
        return None
    try:
        parts = urlsplit(origin)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return origin
    if parts.hostname and allowed_host_name(config, parts.hostname) and port == config.port:
        return None
    return origin


def refuse_foreign_origin(config: Config, request: HttpRequest, traits: ServiceTraits, protocol: str) -> None:
    """AccessDenied for a cross-origin browser request to a service without CORS of its own."""
    origin = foreign_origin(config, request)
    if origin is None or traits.browser_cors:
        return
    code = "AccessDeniedException" if protocol in JSON_PROTOCOLS else "AccessDenied"
    raise ServiceError(code, f"Cross-origin requests are not allowed: a web page on {origin} may not call "
                       "this service.", status=403)
