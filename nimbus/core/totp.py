"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as virtual MFA
devices and authenticator apps compute them."""
from __future__ import annotations

import hashlib
import hmac
import struct

STEP_SECONDS = 30


def code(seed: bytes, step: int) -> str:
    digest = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def step_at(epoch: float) -> int:
    return int(epoch // STEP_SECONDS)


def consecutive_step(seed: bytes, first: str, second: str, around: int, window: int) -> int | None:
    """The step of ``first`` when ``first`` and ``second`` are codes of two consecutive steps within
    ``window`` steps of ``around``; None otherwise."""
    for step in range(around - window, around + window + 1):
        if hmac.compare_digest(code(seed, step), first) and hmac.compare_digest(code(seed, step + 1), second):
            return step
    return None


def matching_step(seed: bytes, given: str, around: int, window: int = 1) -> int | None:
    for step in range(around - window, around + window + 1):
        if hmac.compare_digest(code(seed, step), given):
            return step
    return None
