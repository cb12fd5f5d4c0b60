"""Config's opaque next tokens: the position after the last thing listed, refused when not one of ours."""
from __future__ import annotations

import base64
import json
from typing import Any

from nimbus.protocol.errors import ServiceError


def invalid_token() -> ServiceError:
    return ServiceError("InvalidNextTokenException", "The nextToken provided is invalid", status=400)


def encode(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode()


def decode(token: str | None) -> Any:
    if not token:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (ValueError, KeyError, TypeError):
        raise invalid_token() from None


def limit_of(params: dict, default: int, maximum: int, member: str = "limit") -> int:
    limit = params.get(member) or default
    if limit > maximum:
        raise ServiceError("InvalidLimitException", f"Value '{limit}' at '{member}' failed to satisfy constraint: "
                           f"Member must have value less than or equal to {maximum}", status=400)
    return limit


def window(items: list, params: dict, default: int, maximum: int, key,
           members: tuple[str, str] = ("limit", "nextToken")) -> tuple[list, str | None]:
    """Items after the token's position (a key of ``key``), at most the limit; and the next token.
    ``members``: the request's names for the limit and the token (the aggregator operations capitalize them)."""
    limit = limit_of(params, default, maximum, members[0])
    after = decode(params.get(members[1]))
    if after is not None:
        keys = [key(item) for item in items]
        if after not in keys:
            raise invalid_token()
        items = items[keys.index(after) + 1:]
    chunk = items[:limit]
    return chunk, encode(key(chunk[-1])) if len(items) > limit else None
