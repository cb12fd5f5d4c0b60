"""Identifiers in AWS's shapes: access keys, unique ids, secrets, tokens."""
from __future__ import annotations

import base64
import hashlib
import secrets
import string

_ID_ALPHABET = string.ascii_uppercase + "234567"


def random_id(prefix: str, length: int = 16) -> str:
    """AWS's unique ids and key ids: a 4-letter type prefix and upper-case base32 characters."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def stable_id(prefix: str, seed: str, length: int = 16) -> str:
    """The same id for the same seed, for ids derived from a name (e.g. a role's AROA id)."""
    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode()
    return prefix + digest[:length]


def secret_access_key() -> str:
    return base64.b64encode(secrets.token_bytes(30)).decode()


def session_token() -> str:
    return base64.b64encode(b"FwoGZXIvYXdzE" + secrets.token_bytes(180)).decode()
