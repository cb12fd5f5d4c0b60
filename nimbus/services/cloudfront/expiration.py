"""How long the edge keeps an object, as CloudFront documents it ("Managing how long content stays in the
cache"): the origin's ``Cache-Control`` (``s-maxage`` before ``max-age``) or ``Expires``, held within the
behaviour's minimum and maximum TTL; the default TTL when the origin says nothing; the minimum TTL for
``no-cache``, ``no-store`` and ``private``; and the cache key, from the cache policy or legacy settings."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from .origins import http_date

# AWS's managed cache policies, by their real ids: (min, default, max TTL, query strings in the key).
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": (1, 86400, 31536000, False),  # CachingOptimized
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": (0, 0, 0, False),  # CachingDisabled
}
_UNCACHEABLE = frozenset(("no-cache", "no-store", "private"))


@dataclass(frozen=True)
class CacheSettings:
    min_ttl: float
    default_ttl: float
    max_ttl: float
    query_strings: bool
    query_keys: tuple[str, ...] = ()  # when given, only these query parameters are in the key

    def key(self, path: str, query: str) -> tuple[str, str]:
        """The cache key and the query string forwarded to the origin (the same: what the key holds)."""
        if not self.query_strings or not query:
            return path, ""
        pairs = parse_qsl(query, keep_blank_values=True)
        if self.query_keys:
            pairs = [(k, v) for k, v in pairs if k in self.query_keys]
        forwarded = urlencode(sorted(pairs))
        return (f"{path}?{forwarded}" if forwarded else path), forwarded

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


def settings_of(behaviour: dict) -> CacheSettings:
    policy = behaviour.get("CachePolicyId")
    if policy is not None:
        low, default, high, query = MANAGED_CACHE_POLICIES[policy]
        return CacheSettings(low, default, high, query)
    forwarded = behaviour.get("ForwardedValues", {})
    keys = tuple(forwarded.get("QueryStringCacheKeys", {}).get("Items", []))
    return CacheSettings(behaviour.get("MinTTL", 0), behaviour["DefaultTTL"], behaviour["MaxTTL"],
                         bool(forwarded.get("QueryString")), keys)


def _directives(value: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            out[name.lower()] = argument.strip('"') if argument else None
    return out


def _seconds(value: str | None) -> float | None:
    return float(value) if value is not None and value.isdigit() else None
