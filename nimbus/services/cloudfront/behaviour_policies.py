"""The policies a cache behaviour names, read for the edge: its cache policy (or legacy settings) as TTLs
and key rules, with its origin request policy; and its response headers policy."""
from __future__ import annotations

import functools

from .cache_key import KeyRules, legacy_rules, policy_rules
from .expiration import CacheSettings, settings_of
from .managed_policies import CACHING_DISABLED, MANAGED_CACHE_POLICIES
from .owned import find_owned
from .policies import CACHE_POLICY, ORIGIN_REQUEST_POLICY, RESPONSE_HEADERS_POLICY


def caching_of(store, account: str, behaviour: dict) -> tuple[CacheSettings, KeyRules]:
    cache_id, origin_id = behaviour.get("CachePolicyId"), behaviour.get("OriginRequestPolicyId")
    if cache_id in CACHE_POLICY.managed and (origin_id is None or origin_id in ORIGIN_REQUEST_POLICY.managed):
        return _managed_caching(cache_id, origin_id)
    cache_policy = _config(store, account, CACHE_POLICY, behaviour.get("CachePolicyId"))
    origin_policy = _config(store, account, ORIGIN_REQUEST_POLICY, behaviour.get("OriginRequestPolicyId"))
    if cache_policy is None and behaviour.get("CachePolicyId"):
        cache_policy = MANAGED_CACHE_POLICIES[CACHING_DISABLED]  # never: a policy in use is not deleted
    if cache_policy is None:
        return settings_of(behaviour, None), legacy_rules(behaviour.get("ForwardedValues", {}))
    return settings_of(behaviour, cache_policy), policy_rules(cache_policy, origin_policy)


@functools.lru_cache(maxsize=64)
def _managed_caching(cache_id: str, origin_id: str | None) -> tuple[CacheSettings, KeyRules]:
    """Managed policies never change: their settings and rules are made once (every hit needs them)."""
    cache_policy = CACHE_POLICY.managed[cache_id]
    origin_policy = ORIGIN_REQUEST_POLICY.managed[origin_id] if origin_id else None
    return settings_of({}, cache_policy), policy_rules(cache_policy, origin_policy)


def response_headers_policy(store, account: str, behaviour: dict) -> dict | None:
    return _config(store, account, RESPONSE_HEADERS_POLICY, behaviour.get("ResponseHeadersPolicyId"))


def _config(store, account: str, kind, policy_id: str | None) -> dict | None:
    """The named policy's configuration; None when none is named."""
    found = find_owned(store, account, kind, policy_id) if policy_id else None
    return None if found is None else found["Config"]
