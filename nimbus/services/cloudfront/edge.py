"""The edge: a viewer's request to a distribution, answered from the cache while fresh, revalidated with
the origin when stale, fetched on a miss; with CloudFront's ``X-Cache``, ``Age``, ``Via`` and ids."""
from __future__ import annotations

import base64
import hashlib
import secrets

from nimbus.core.policy.patterns import glob
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

from . import response_headers
from .behaviour_policies import caching_of, response_headers_policy
from .cache import CachedObject
from .cache_key import origin_request
from .configs import behaviours
from .documents import Distribution
from .origin_reader import origin_access
from .origins import OriginFailed, fetch
from .routes import EDGE_HOST_SUFFIX, EDGE_PATH_PREFIX, viewer_host
from .staging import routed_distribution
from .state import CloudFrontState
from .sticky_sessions import carrying
from .viewer_signatures import check_viewer_signature

POP = "NIM1-C1"  # the one edge location nimbus has
CACHEABLE_STATUSES = frozenset((200, 203, 300, 301, 410))
_VALIDATORS = (("etag", "if-none-match"), ("last-modified", "if-modified-since"))
_REFRESHED = frozenset(("cache-control", "expires", "etag", "last-modified"))
_ERROR_PAGE = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
               '"http://www.w3.org/TR/html4/loose.dtd">\n<HTML><HEAD><META HTTP-EQUIV="Content-Type" '
               'CONTENT="text/html; charset=iso-8859-1">\n<TITLE>ERROR: The request could not be satisfied</TITLE>\n'
               '</HEAD><BODY>\n<H1>{status} ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n'
               '<HR noshade size="1px">\n{reason}\n<BR clear="all">\n</BODY></HTML>\n')


def matching_behaviour(config: dict, path: str) -> dict:
    """The first behaviour whose path pattern matches (case-sensitive ``*`` and ``?``), else the default.
    A pattern matches with or without its leading slash, as CloudFront reads them."""
    for behaviour in behaviours(config)[:-1]:
        if glob("/" + behaviour["PathPattern"].lstrip("/"))(path):
            return behaviour
    return config["DefaultCacheBehavior"]


class EdgeOps(CloudFrontState):
    def handle_raw(self, request: HttpRequest) -> HttpResponse:
        distribution, path = self._addressed(request)
        if distribution is None:
            return _error(403, "Bad request. We can't connect to the server for this app or website at this time.")
        config = distribution["DistributionConfig"]
        if not config["Enabled"]:
            return _error(403, "Bad request. This distribution is disabled.")
        distribution, sticky = routed_distribution(self, distribution, request)
        return carrying(self._routed(request, distribution, path), sticky)

    def _routed(self, request: HttpRequest, distribution: Distribution, path: str) -> HttpResponse:
        config = distribution["DistributionConfig"]
        if path == "/" and config.get("DefaultRootObject"):
            path = "/" + config["DefaultRootObject"]
        behaviour = matching_behaviour(config, path)
        account = self._owner(distribution)
        headers_policy = response_headers_policy(self.store, account, behaviour)
        preflight = response_headers.preflight_answer(headers_policy, request)
        if preflight is not None:
            return preflight
        allowed = behaviour.get("AllowedMethods", {}).get("Items", ["GET", "HEAD"])
        if request.method not in allowed or request.method not in ("GET", "HEAD"):
            return _error(403, "This distribution is not configured to allow the HTTP request method that was "
                          "used for this request. The distribution supports only cachable requests.")
        denied, query_string = check_viewer_signature(self.store, account, distribution, behaviour, request, path,
                                                      self.clock.time())
        if denied is not None:
            denied.headers.update(_edge_headers(distribution["DomainName"], "Error"))
            return denied
        return self.serve_behaviour(request, distribution, behaviour, path, query_string)

    def serve_behaviour(self, request: HttpRequest, distribution: Distribution, behaviour: dict, path: str,
                        query_string: str) -> HttpResponse:
        """The viewer's answer once the behaviour lets it in: from the cache or the origin (viewer functions
        wrap this: functions_edge.py)."""
        account = self._owner(distribution)
        config = distribution["DistributionConfig"]
        headers_policy = response_headers_policy(self.store, account, behaviour)
        origin = next(o for o in config["Origins"]["Items"] if o["Id"] == behaviour["TargetOriginId"])
        settings, rules = caching_of(self.store, account, behaviour)
        outgoing = origin_request(rules, path, query_string, request.headers)
        key = outgoing.key
        now = self.clock.time()
        cached = self.cache.get(distribution["Id"], key)
        if cached is not None and cached.fresh(now):
            return _viewer(request, distribution, headers_policy, cached, "Hit", now)
        conditions = {} if cached is None else {asked: value for held, asked in _VALIDATORS
                                                if (value := cached.header(held)) is not None}
        try:
            access = origin_access(self.store, distribution, origin, request.headers)
            answer = fetch(self.runtime, access, origin, "GET", path, outgoing.query,
                           {**outgoing.headers, **conditions})
        except OriginFailed as failure:
            return _error(failure.status, f"CloudFront attempted to establish a connection with the origin, but "
                          f"either the attempt failed or the origin closed the connection ({failure}).")
        if cached is not None and answer.status == 304:
            kept = [(k, v) for k, v in cached.headers if k.lower() not in _REFRESHED or
                    all(k.lower() != n.lower() for n, _ in answer.headers)]
            headers = kept + [(k, v) for k, v in answer.headers if k.lower() in _REFRESHED]
            refreshed = CachedObject(cached.status, headers, cached.body, now, settings.ttl(headers, now))
            self.cache.put(distribution["Id"], key, refreshed)
            return _viewer(request, distribution, headers_policy, refreshed, "RefreshHit", now)
        fetched = CachedObject(answer.status, answer.headers, answer.body, now, settings.ttl(answer.headers, now))
        if answer.status in CACHEABLE_STATUSES and fetched.ttl > 0:
            self.cache.put(distribution["Id"], key, fetched)
        return _viewer(request, distribution, headers_policy, fetched, "Miss" if answer.status < 400 else "Error", now)

    def _addressed(self, request: HttpRequest) -> tuple[Distribution | None, str]:
        """The distribution the request names, and the path within it."""
        if request.path.startswith(EDGE_PATH_PREFIX):
            distribution_id, _, rest = request.path[len(EDGE_PATH_PREFIX):].partition("/")
            return self.reached_by(f"id:{distribution_id.upper()}"), "/" + rest
        host = viewer_host(request)
        if host.endswith(EDGE_HOST_SUFFIX):
            return self.reached_by(f"id:{host[:-len(EDGE_HOST_SUFFIX)].upper()}"), request.path
        return self.reached_by(f"host:{host}"), request.path

    def _owner(self, distribution: Distribution) -> str:
        return distribution["ARN"].split(":")[4]


def _viewer(request: HttpRequest, distribution: Distribution, headers_policy: dict | None, entry: CachedObject,
            outcome: str, now: float) -> HttpResponse:
    headers = Headers(entry.headers)
    headers["content-length"] = str(len(entry.body))
    if outcome in ("Hit", "RefreshHit"):
        headers["age"] = str(int(now - entry.stored_at))
    if headers_policy is not None:
        response_headers.apply(headers_policy, request, headers, outcome, POP)
    headers.update(_edge_headers(distribution["DomainName"], outcome))
    return HttpResponse(entry.status, headers, b"" if request.method == "HEAD" else entry.body)


def _edge_headers(domain: str, outcome: str) -> dict[str, str]:
    server = hashlib.md5(domain.encode(), usedforsecurity=False).hexdigest()
    return {"x-cache": f"{outcome} from cloudfront", "via": f"1.1 {server}.cloudfront.net (CloudFront)",
            "x-amz-cf-pop": POP, "x-amz-cf-id": base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()}


def _error(status: int, reason: str) -> HttpResponse:
    body = _ERROR_PAGE.format(status=status, reason=reason).encode()
    headers = {"content-type": "text/html", "content-length": str(len(body)), "server": "CloudFront",
               **_edge_headers("nimbus", "Error")}
    return HttpResponse(status, Headers(headers), body)
