"""The edge: a viewer's request to a distribution, answered from the cache while fresh, revalidated with
the origin when stale, fetched on a miss; with CloudFront's ``X-Cache``, ``Age``, ``Via`` and ids."""
from __future__ import annotations

import time
from typing import TypeGuard

from nimbus.protocol.http import HttpRequest, HttpResponse

from . import response_headers
from .access_logs import AccessLogOps
from .answers import POP
from .answers import edge_headers as _edge_headers
from .answers import error_page as _error
from .behaviour_policies import caching_of, response_headers_policy
from .cache import CachedObject, variant_key
from .cache_key import origin_request
from .common import owner_account
from .compression import compressed, viewer_encoding
from .configs import matching_behaviour
from .custom_errors import ERROR_CODES, custom_response, error_caching_ttl, replacement_status
from .documents import Distribution
from .failover import fetch_with_failover
from .functions import associations
from .geo import forwarded_viewer_headers, geo_refusal
from .hit_plans import HitPlan
from .origin_reader import origin_access
from .origins import OriginFailed
from .policies import CACHE_POLICY, ORIGIN_REQUEST_POLICY, RESPONSE_HEADERS_POLICY
from .ranges import ranged
from .raw_hits import raw_hit
from .routes import EDGE_HOST_SUFFIX, EDGE_PATH_PREFIX, viewer_host
from .staging import routed_distribution
from .stale import ORIGIN_ERRORS, serves_stale
from .sticky_sessions import carrying
from .trusted import trusted_group_ids
from .viewer_rules import cached_methods, refusal
from .viewer_signatures import check_viewer_signature

CACHEABLE_STATUSES = frozenset((200, 203, 300, 301, 410))
_VALIDATORS = (("etag", "if-none-match"), ("last-modified", "if-modified-since"))
_REFRESHED = frozenset(("cache-control", "expires", "etag", "last-modified"))
# What the edge passes on to the origin with a request it does not cache (POST, PUT...).
_PASSED_ON = ("content-type", "content-encoding", "accept", "accept-language", "authorization")
_POLICIES = (("CachePolicyId", CACHE_POLICY), ("OriginRequestPolicyId", ORIGIN_REQUEST_POLICY),
             ("ResponseHeadersPolicyId", RESPONSE_HEADERS_POLICY))


def _policies_in_store(behaviour: dict) -> bool:
    """Whether the behaviour names a policy of the account's own (read from the store), not a managed one."""
    return any(behaviour.get(member) and behaviour[member] not in kind.managed for member, kind in _POLICIES)


def _answers_as_hit(cached: CachedObject | None, now: float, blocking: bool) -> TypeGuard[CachedObject]:
    """Whether the cached object is the answer: fresh, and when not ``blocking`` no error (whose answer may
    read a custom error page from the origin)."""
    return cached is not None and cached.fresh(now) and (blocking or cached.status < 400)


class EdgeOps(AccessLogOps):
    def handle_raw(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        distribution, path = self._addressed(request)
        if distribution is None:
            return _error(403, "Bad request. We can't connect to the server for this app or website at this time.")
        response = self._edge_answer(request, distribution, path)
        assert response is not None  # a blocking answer always answers
        self.log_request(distribution, request, path, response, started)
        return response

    def fresh_hit(self, request: HttpRequest) -> HttpResponse | None:
        """The answer when it needs no blocking work: a distribution looked up lately and a fresh object in
        memory (what most requests to a busy edge are). None sends the request the usual way."""
        if request.method not in ("GET", "HEAD"):
            return None
        started = time.monotonic()
        name, path = self._edge_name(request)
        distribution = self.recent_names.recall(name)
        if distribution is None:
            return None
        plan_key = self.hit_plans.key_of(distribution, request, path)
        plan = self.hit_plans.get(plan_key)
        if plan is not None:
            response = self._planned_hit(request, name, distribution, plan)
        else:
            self.hit_plans.recorded = None
            response = self._edge_answer(request, distribution, path, blocking=False)
            if response is not None and self.hit_plans.recorded is not None:
                self.hit_plans.keep(plan_key, self.hit_plans.recorded)
        # Real-time logs are never answered here (_routed declines them): only standard logs need the hook.
        if response is not None and (distribution["DistributionConfig"].get("Logging") or {}).get("Enabled"):
            self.log_request(distribution, request, path, response, started)
        return response

    def _planned_hit(self, request: HttpRequest, name: str, distribution: Distribution,
                     plan: HitPlan) -> HttpResponse | None:
        """The answer to a request made before, from the same decision, while its object is fresh in memory;
        with the replay that answers the identical request's bytes again (raw_hits.py)."""
        now = self.clock.time()
        cached = self.cache.get(plan.distribution["Id"], plan.key, from_disk=False)
        if not _answers_as_hit(cached, now, blocking=False):
            return None
        response = self._answer(request, plan.distribution, plan.headers_policy, cached, "Hit", now, True)
        response.replay = raw_hit(self, name, distribution, plan, request, cached)
        return response

    def _edge_answer(self, request: HttpRequest, distribution: Distribution, path: str,
                     blocking: bool = True) -> HttpResponse | None:
        """The viewer's answer; when not ``blocking``, None wherever it would take more than memory."""
        config = distribution["DistributionConfig"]
        if not config["Enabled"]:
            return _error(403, "Bad request. This distribution is disabled.")
        if not blocking and config.get("ContinuousDeploymentPolicyId"):
            return None  # its policy is read from the store
        distribution, sticky = routed_distribution(self, distribution, request)
        answer = self._routed(request, distribution, path, blocking)
        return None if answer is None else carrying(answer, sticky)

    def _routed(self, request: HttpRequest, distribution: Distribution, path: str,
                blocking: bool) -> HttpResponse | None:
        config = distribution["DistributionConfig"]
        blocked = geo_refusal(self.runtime.config, request, config)
        if blocked is not None:
            return blocked
        if path == "/" and config.get("DefaultRootObject"):
            path = "/" + config["DefaultRootObject"]
        behaviour = matching_behaviour(config, path)
        if not blocking and (request.method not in ("GET", "HEAD") or behaviour.get("RealtimeLogConfigArn")
                             or _policies_in_store(behaviour) or trusted_group_ids(behaviour)
                             or associations(behaviour)):
            return None  # what these need is read from the store, or run in a function
        headers_policy = response_headers_policy(self.store, owner_account(distribution), behaviour)
        preflight = response_headers.preflight_answer(headers_policy, request)
        if preflight is not None:
            return preflight
        refused = refusal(request, behaviour, distribution["DomainName"])
        if refused is not None:
            return refused
        denied, query_string = check_viewer_signature(self.store, owner_account(distribution), distribution,
                                                      behaviour, request, path, self.clock.time())
        if denied is not None:
            denied.headers.update(_edge_headers(distribution["DomainName"], "Error"))
            return denied
        if not blocking:
            return self._serve(request, distribution, behaviour, path, query_string, blocking=False)
        return self.serve_behaviour(request, distribution, behaviour, path, query_string)

    def serve_behaviour(self, request: HttpRequest, distribution: Distribution, behaviour: dict, path: str,
                        query_string: str) -> HttpResponse:
        """The viewer's answer once the behaviour lets it in: from the cache or the origin (viewer functions
        wrap this: functions_edge.py)."""
        answered = self._serve(request, distribution, behaviour, path, query_string)
        assert answered is not None  # a blocking answer always answers
        return answered

    def _serve(self, request: HttpRequest, distribution: Distribution, behaviour: dict, path: str,
               query_string: str, blocking: bool = True) -> HttpResponse | None:
        headers_policy = response_headers_policy(self.store, owner_account(distribution), behaviour)
        if request.method not in ("GET", "HEAD", *cached_methods(behaviour)):
            return self._passed_on(request, distribution, behaviour, path, query_string, headers_policy)
        return self._delivered(request, distribution, behaviour, path, query_string, headers_policy,
                               blocking=blocking)

    def _delivered(self, request: HttpRequest, distribution: Distribution, behaviour: dict, path: str,
                   query_string: str, headers_policy: dict | None, custom_errors: bool = True,
                   blocking: bool = True) -> HttpResponse | None:
        """A cacheable request (GET, HEAD, a cached OPTIONS): from the cache, or the origin and then the cache."""
        config = distribution["DistributionConfig"]
        settings, rules = caching_of(self.store, owner_account(distribution), behaviour)
        outgoing = origin_request(rules, path, query_string, request.headers)
        method = "OPTIONS" if request.method == "OPTIONS" else "GET"
        encoding = viewer_encoding(request, behaviour, rules.encodings if behaviour.get("CachePolicyId") else ("gzip",))
        viewer_headers = forwarded_viewer_headers(self.runtime.config, request, behaviour)
        key = variant_key(outgoing.key, method, encoding, *(f"{k}={v}" for k, v in viewer_headers.items()))
        now = self.clock.time()
        answer_with = (request, distribution, headers_policy)
        if not blocking:
            self.hit_plans.recorded = HitPlan(distribution, headers_policy, key)
        cached = self.cache.get(distribution["Id"], key, from_disk=blocking)
        if _answers_as_hit(cached, now, blocking):
            return self._answer(*answer_with, cached, "Hit", now, custom_errors)
        if not blocking:
            return None
        conditions = {} if cached is None or cached.status >= 400 else {
            asked: value.removeprefix("W/") for held, asked in _VALIDATORS if (value := cached.header(held))}
        try:
            answer = fetch_with_failover(
                self.runtime, lambda origin: origin_access(self.store, distribution, origin, request.headers),
                config, behaviour["TargetOriginId"], method, path, outgoing.query,
                {**outgoing.headers, **viewer_headers, **conditions})
        except OriginFailed as failure:
            if serves_stale(cached, now):
                return self._answer(*answer_with, cached, "Hit", now, custom_errors)
            page = _error(failure.status, f"CloudFront attempted to establish a connection with the origin, but "
                          f"either the attempt failed or the origin closed the connection ({failure}).")
            failed = CachedObject(page.status, list(page.headers.items()), page.body_bytes(), now, 0)
            return self._answer(*answer_with, failed, "Error", now, custom_errors)
        if cached is not None and answer.status == 304 and cached.status < 400:
            kept = [(k, v) for k, v in cached.headers if k.lower() not in _REFRESHED or
                    all(k.lower() != n.lower() for n, _ in answer.headers)]
            headers = kept + [(k, v) for k, v in answer.headers if k.lower() in _REFRESHED]
            refreshed = CachedObject(cached.status, headers, cached.body, now, settings.ttl(headers, now))
            self.cache.put(distribution["Id"], key, refreshed)
            return self._answer(*answer_with, refreshed, "RefreshHit", now, custom_errors)
        if answer.status in ORIGIN_ERRORS and serves_stale(cached, now):
            return self._answer(*answer_with, cached, "Hit", now, custom_errors)
        headers, body = answer.headers, answer.body
        if encoding is not None and answer.status == 200:
            headers, body = compressed(headers, body, encoding) or (headers, body)
        if answer.status in ERROR_CODES:
            ttl = error_caching_ttl(config, answer.status)
        else:
            ttl = settings.ttl(headers, now) if answer.status in CACHEABLE_STATUSES else 0
        fetched = CachedObject(answer.status, headers, body, now, ttl)
        if ttl > 0:
            self.cache.put(distribution["Id"], key, fetched)
        return self._answer(*answer_with, fetched, "Miss", now, custom_errors)

    def _passed_on(self, request: HttpRequest, distribution: Distribution, behaviour: dict, path: str,
                   query_string: str, headers_policy: dict | None) -> HttpResponse:
        """A request the edge never caches (POST, PUT, PATCH, DELETE, an uncached OPTIONS): to the origin
        with its body, the answer back to the viewer."""
        headers = {name: value for name in _PASSED_ON if (value := request.headers.get(name)) is not None}
        now = self.clock.time()
        try:
            answer = fetch_with_failover(
                self.runtime, lambda origin: origin_access(self.store, distribution, origin, request.headers),
                distribution["DistributionConfig"], behaviour["TargetOriginId"], request.method, path,
                query_string, headers, request.body)
        except OriginFailed as failure:
            return _error(failure.status, f"CloudFront attempted to establish a connection with the origin, but "
                          f"either the attempt failed or the origin closed the connection ({failure}).")
        entry = CachedObject(answer.status, answer.headers, answer.body, now, 0)
        return self._answer(request, distribution, headers_policy, entry, "Miss", now, True)

    def _answer(self, request: HttpRequest, distribution: Distribution, headers_policy: dict | None,
                entry: CachedObject, outcome: str, now: float, custom_errors: bool) -> HttpResponse:
        """The viewer's response: a custom error page for an error the distribution has one for, the
        viewer's byte range of a whole object, CloudFront's headers."""
        config = distribution["DistributionConfig"]
        configured = custom_response(config, entry.status) if custom_errors and entry.status >= 400 else None
        if configured is not None and configured.get("ResponsePagePath"):
            page_path = configured["ResponsePagePath"]
            page_request = HttpRequest("GET", page_path, headers=request.headers, scheme=request.scheme,
                                       source_ip=request.source_ip)
            page = self._delivered(page_request, distribution, matching_behaviour(config, page_path), page_path,
                                   "", headers_policy, custom_errors=False)
            if page is not None and page.status == 200:
                page.status = replacement_status(configured, entry.status)
                page.headers.update(_edge_headers(distribution["DomainName"], "Error"))
                if request.method == "HEAD":
                    page.body = b""
                return page
        headers = entry.viewer_headers()
        status, body = ranged(entry.status, headers, entry.body, request.headers.get("range"))
        if outcome in ("Hit", "RefreshHit"):
            headers["age"] = str(int(now - entry.stored_at))
        if entry.status >= 400:
            outcome = "Error"
        if headers_policy is not None:
            response_headers.apply(headers_policy, request, headers, outcome, POP)
        headers.update(_edge_headers(distribution["DomainName"], outcome))
        return HttpResponse(status, headers, b"" if request.method == "HEAD" else body)

    def _addressed(self, request: HttpRequest) -> tuple[Distribution | None, str]:
        """The distribution the request names, and the path within it."""
        name, path = self._edge_name(request)
        return self.reached_by(name), path

    @staticmethod
    def _edge_name(request: HttpRequest) -> tuple[str, str]:
        """The name the request reaches a distribution by (``id:E...``, ``host:...``), and the path in it."""
        if request.path.startswith(EDGE_PATH_PREFIX):
            distribution_id, _, rest = request.path[len(EDGE_PATH_PREFIX):].partition("/")
            return f"id:{distribution_id.upper()}", "/" + rest
        host = viewer_host(request)
        if host.endswith(EDGE_HOST_SUFFIX):
            return f"id:{host[:-len(EDGE_HOST_SUFFIX)].upper()}", request.path
        return f"host:{host}", request.path
