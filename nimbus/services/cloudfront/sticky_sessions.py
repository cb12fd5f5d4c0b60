"""Session stickiness of a ``SingleWeight`` continuous deployment policy: CloudFront sets a cookie so that
every request of one viewer's session goes to the same distribution, primary or staging. A session ends
after ``IdleTTL`` seconds without a request or ``MaximumTTL`` seconds after it began (on the virtual
clock), and every session ends when the policy or its stickiness is turned on or off.

The cookie holds the side, the session's start and its last request, with an HMAC under the policy's
session secret (rotated on those toggles), so a viewer cannot pick the staging side by writing a cookie."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from nimbus.protocol.http import HttpRequest, HttpResponse

from .documents import ContinuousDeploymentPolicy

COOKIE = "aws-cf-cd-session"
_SIDES = ("primary", "staging")


def new_session_secret() -> str:
    return secrets.token_hex(16)


def stickiness(config: dict) -> dict | None:
    """The policy's ``SessionStickinessConfig`` when it splits by weight with sessions, else None."""
    traffic = config.get("TrafficConfig") or {}
    if traffic.get("Type") != "SingleWeight":
        return None
    return (traffic.get("SingleWeightConfig") or {}).get("SessionStickinessConfig")


def sessions_reset(before: dict, after: dict) -> bool:
    """CloudFront resets every session when the policy, or its stickiness, is enabled or disabled."""
    return (before.get("Enabled") != after.get("Enabled")
            or (stickiness(before) is None) != (stickiness(after) is None))


@dataclass(frozen=True)
class Session:
    staging: bool
    started: int
    cookie: str  # the Set-Cookie value that carries the session on


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def _secret(policy: ContinuousDeploymentPolicy) -> str:
    return policy.get("SessionSecret") or policy["Id"]


def current_side(policy: ContinuousDeploymentPolicy, request: HttpRequest, now: int) -> tuple[bool, int] | None:
    """(staging?, session start) of the viewer's live session, or None when it has none."""
    sticky = stickiness(policy["ContinuousDeploymentPolicyConfig"])
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", ""))
    except CookieError:
        return None
    if sticky is None or COOKIE not in jar:
        return None
    side, _, rest = jar[COOKIE].value.partition(".")
    started_text, _, rest = rest.partition(".")
    last_text, _, mac = rest.partition(".")
    if side not in _SIDES or not (started_text.isdigit() and last_text.isdigit()):
        return None
    if not hmac.compare_digest(mac, _mac(_secret(policy), f"{side}.{started_text}.{last_text}")):
        return None
    started, last = int(started_text), int(last_text)
    if now - last > int(sticky["IdleTTL"]) or now - started > int(sticky["MaximumTTL"]):
        return None
    return side == "staging", started


def session(policy: ContinuousDeploymentPolicy, staging: bool, started: int, now: int) -> Session:
    """The session carried on to this request's response."""
    sticky = stickiness(policy["ContinuousDeploymentPolicyConfig"]) or {}
    side = _SIDES[staging]
    payload = f"{side}.{started}.{now}"
    lifetime = min(int(sticky.get("IdleTTL", 0)), int(sticky.get("MaximumTTL", 0)) - (now - started))
    return Session(staging, started, f"{COOKIE}={payload}.{_mac(_secret(policy), payload)}; Path=/; "
                                     f"Max-Age={max(lifetime, 0)}; HttpOnly")


def carrying(response: HttpResponse, sticky: Session | None) -> HttpResponse:
    """The response with the session's cookie, when the viewer is in one."""
    if sticky is not None:
        response.headers.add("set-cookie", sticky.cookie)
    return response
