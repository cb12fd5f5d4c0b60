"""The cache key, and what else of the viewer's request reaches the origin, as CloudFront documents it
("Understand the cache key", "Control origin requests with a policy"):
- a cache policy names the query strings, headers and cookies in the key (none, a whitelist, all but
  some, all); everything in the key also reaches the origin; with compression enabled the normalized
  ``Accept-Encoding`` (gzip, br) is in the key too;
- an origin request policy adds what reaches the origin without being in the key;
- a legacy behaviour's ``ForwardedValues`` forwards query strings, headers and cookies, all in the key
  (``QueryStringCacheKeys`` narrows the key, not what is forwarded).
A key is the path and sorted query string (what an invalidation path matches), then the header and
cookie values on lines of their own."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from nimbus.protocol.http import Headers

# Never the viewer's to send on: one connection's, or the edge's own conditional and encoding decisions.
_NOT_FORWARDED = frozenset(("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
                            "proxy-authorization", "proxy-connection", "content-length", "expect", "cookie",
                            "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
                            "accept-encoding"))
KEY_PARTS_SEPARATOR = "\n"


@dataclass(frozen=True)
class Selection:
    """Which of a request's query strings, headers or cookies: ``none``, ``whitelist``, ``allExcept`` or
    ``all`` (an origin request policy's ``allViewer...`` header behaviours are ``all``)."""
    behaviour: str = "none"
    names: frozenset[str] = frozenset()

    def picks(self, name: str) -> bool:
        if self.behaviour == "whitelist":
            return name in self.names
        if self.behaviour == "allExcept":
            return name not in self.names
        return self.behaviour != "none"

    def union(self, other: Selection) -> Selection:
        """What either selection picks (the key's and the origin request policy's, for the origin)."""
        if "all" in (self.behaviour, other.behaviour):
            return Selection("all")
        if self.behaviour == "none":
            return other
        if other.behaviour == "none":
            return self
        if self.behaviour == other.behaviour == "whitelist":
            return Selection("whitelist", self.names | other.names)
        if self.behaviour == other.behaviour == "allExcept":
            return Selection("allExcept", self.names & other.names)
        excepted, listed = (self, other) if self.behaviour == "allExcept" else (other, self)
        return Selection("allExcept", excepted.names - listed.names)


@dataclass(frozen=True)
class KeyRules:
    key_query: Selection
    key_headers: Selection
    key_cookies: Selection
    encodings: tuple[str, ...] = ()  # the Accept-Encoding values the key distinguishes
    origin_query: Selection = Selection()  # beyond the key's
    origin_headers: Selection = Selection()
    origin_cookies: Selection = Selection()


@dataclass(frozen=True)
class OriginRequest:
    key: str
    query: str  # the query string the origin gets
    headers: dict[str, str]  # the viewer's headers (and selected cookies) the origin gets


def _selection(config: dict | None, behaviour_member: str, list_member: str, lower: bool) -> Selection:
    if not config:
        return Selection()
    names = config.get(list_member, {}).get("Items", [])
    behaviour = config[behaviour_member]
    if behaviour.startswith("allViewer"):
        behaviour = "all"
    return Selection(behaviour, frozenset(n.lower() if lower else n for n in names))


def policy_rules(cache_policy: dict, origin_policy: dict | None) -> KeyRules:
    """The rules of a behaviour with a cache policy (and perhaps an origin request policy)."""
    key = cache_policy.get("ParametersInCacheKeyAndForwardedToOrigin", {})
    encodings = tuple(e for e, on in (("gzip", key.get("EnableAcceptEncodingGzip")),
                                      ("br", key.get("EnableAcceptEncodingBrotli"))) if on)
    origin = origin_policy or {}
    return KeyRules(
        _selection(key.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", False),
        _selection(key.get("HeadersConfig"), "HeaderBehavior", "Headers", True),
        _selection(key.get("CookiesConfig"), "CookieBehavior", "Cookies", False), encodings,
        _selection(origin.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", False),
        _selection(origin.get("HeadersConfig"), "HeaderBehavior", "Headers", True),
        _selection(origin.get("CookiesConfig"), "CookieBehavior", "Cookies", False))


def legacy_rules(forwarded: dict) -> KeyRules:
    """The rules of a behaviour's legacy ``ForwardedValues``."""
    query_keys = forwarded.get("QueryStringCacheKeys", {}).get("Items", [])
    forwarded_query = Selection("all") if forwarded.get("QueryString") else Selection()
    key_query = Selection("whitelist", frozenset(query_keys)) if forwarded.get("QueryString") and query_keys \
        else forwarded_query
    headers = [h.lower() for h in forwarded.get("Headers", {}).get("Items", [])]
    key_headers = Selection("all") if "*" in headers else Selection("whitelist" if headers else "none",
                                                                     frozenset(headers))
    cookies = forwarded.get("Cookies", {"Forward": "none"})
    key_cookies = Selection(cookies["Forward"], frozenset(cookies.get("WhitelistedNames", {}).get("Items", [])))
    return KeyRules(key_query, key_headers, key_cookies, origin_query=forwarded_query)


def origin_request(rules: KeyRules, path: str, query_string: str, headers: Headers) -> OriginRequest:
    pairs = parse_qsl(query_string, keep_blank_values=True) if query_string else []
    key_query = urlencode(sorted(p for p in pairs if rules.key_query.picks(p[0]))) if pairs else ""
    forwarded_query = rules.key_query.union(rules.origin_query)
    key = f"{path}?{key_query}" if key_query else path
    viewer = {name: value for name, value in headers.items() if name not in _NOT_FORWARDED}
    key_headers = sorted((n, v) for n, v in viewer.items() if rules.key_headers.picks(n))
    cookies = _cookies(headers.get("cookie", ""))
    key_cookies = sorted((n, v) for n, v in cookies if rules.key_cookies.picks(n))
    parts = [f"h:{n}={v}" for n, v in key_headers] + [f"c:{n}={v}" for n, v in key_cookies]
    if rules.encodings:
        accepted = headers.get("accept-encoding", "").lower()
        parts.append("e:" + ",".join(e for e in rules.encodings if e in accepted))
    forwarded_headers = rules.key_headers.union(rules.origin_headers)
    sent = {n: v for n, v in viewer.items() if forwarded_headers.picks(n)}
    forwarded_cookies = rules.key_cookies.union(rules.origin_cookies)
    cookie = "; ".join(f"{n}={v}" for n, v in cookies if forwarded_cookies.picks(n))
    if cookie:
        sent["cookie"] = cookie
    return OriginRequest(KEY_PARTS_SEPARATOR.join([key, *parts]),
                         urlencode(sorted(p for p in pairs if forwarded_query.picks(p[0]))) if pairs else "", sent)


def _cookies(header: str) -> list[tuple[str, str]]:
    found = []
    for part in header.replace(",", ";").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            found.append((name, value))
    return found
