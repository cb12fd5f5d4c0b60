"""Where the outside world reaches nimbus: the base of the URLs services hand out (SNS's subscribe and
signing-certificate links, CloudFormation's presigned response and signal URLs)."""
from __future__ import annotations


def public_base(ctx) -> str:
    """How the client reached nimbus (its Host), or the bound address when no request carries one."""
    request = ctx.request
    host = request.headers.get("host") if request is not None else None
    if host:
        return f"{request.scheme}://{host}"
    config = ctx.runtime.config
    bind = "127.0.0.1" if config.host in ("0.0.0.0", "::", "") else config.host
    return f"http://{bind}:{config.port}"
