"""How long the edge keeps an object, as CloudFront documents it ("Managing how long content stays in the
cache"): the origin's ``Cache-Control`` (``s-maxage`` before ``max-age``) or ``Expires``, held within the
behaviour's minimum and maximum TTL; the default TTL when the origin says nothing; the minimum TTL for
``no-cache``, ``no-store`` and ``private``. The cache key is ``cache_key.py``'s."""
from __future__ import annotations

from dataclasses import dataclass

from .origins import http_date

_UNCACHEABLE = frozenset(("no-cache", "no-store", "private"))


@dataclass(frozen=True)
class CacheSettings:
    min_ttl: float
    default_ttl: float
    max_ttl: float

    def ttl(self, headers: list[tuple[str, str]], now: float) -> float:
        named = {k.lower(): v for k, v in headers}
        directives = _directives(named.get("cache-control", ""))
        if directives.keys() & _UNCACHEABLE:
            return self.min_ttl
        age = _seconds(directives.get("s-maxage")) if "s-maxage" in directives else \
            _seconds(directives.get("max-age"))
        if age is None:
            expires = http_date(named.get("expires"))
            if expires is None:
                return self.default_ttl
            age = expires.timestamp() - now
        return min(max(age, self.min_ttl), self.max_ttl)


def settings_of(behaviour: dict, cache_policy: dict | None) -> CacheSettings:
    """The TTLs of the behaviour's cache policy (its configuration), else of its legacy settings."""
    if cache_policy is not None:
        return CacheSettings(cache_policy["MinTTL"], cache_policy["DefaultTTL"], cache_policy["MaxTTL"])
    return CacheSettings(behaviour.get("MinTTL", 0), behaviour["DefaultTTL"], behaviour["MaxTTL"])


def _directives(value: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            out[name.lower()] = argument.strip('"') if argument else None
    return out


def _seconds(value: str | None) -> float | None:
    return float(value) if value is not None and value.isdigit() else None
