"""Resource policies (PutResourcePolicy / Describe / Delete: up to 10 account-scoped, or one on a log group) and
account policies (PutAccountPolicy / Describe / Delete, by policy type).

Resource policies are stored with revision ids; the services AWS lets write to Logs through them (Route 53,
EventBridge...) are not served by nimbus, so nothing reads them (see docs/services/logs.md). Account-wide
data protection policies mask data (data_protection.py); the other account policy types are stored only.
"""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError

from .common import account_policies_ns, invalid, now_ms, page
from .data_protection import identifiers_of
from .state import LogsState

MAX_RESOURCE_POLICIES = 10
MAX_ACCOUNT_POLICIES = {"DATA_PROTECTION_POLICY": 1, "SUBSCRIPTION_FILTER_POLICY": 2, "FIELD_INDEX_POLICY": 40,
                        "TRANSFORMER_POLICY": 20, "METRIC_EXTRACTION_POLICY": 5, "RETENTION_POLICY": 1}
RESOURCE_POLICY_KEY = "resourcepolicies"


def _json(document: str, what: str) -> None:
    try:
        read_json(document)
    except ValueError:
        raise invalid(f"{what} is not valid JSON.") from None


class PolicyOps(LogsState):
    def _resource_ns(self, ctx: RequestContext) -> tuple[str, ...]:
        return account_policies_ns(ctx.account_id, ctx.region, RESOURCE_POLICY_KEY)

    def put_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        if not params.get("policyDocument"):
            raise invalid("policyDocument is required.")
        _json(params["policyDocument"], "The policy document")
        resource_arn = params.get("resourceArn")
        name = params.get("policyName") or ("" if resource_arn else None)
        if name is None:
            raise invalid("policyName is required for an account-scoped resource policy.")
        key = resource_arn or name
        with self.store.transaction():
            existing = self.store.get(self._resource_ns(ctx), key)
            if existing and params.get("expectedRevisionId") not in (None, existing["revisionId"]):
                raise ServiceError("OperationAbortedException", "The expectedRevisionId does not match the policy's "
                                   "current revision.")
            if existing is None and not resource_arn:
                count = sum(1 for _, p in self.store.scan(self._resource_ns(ctx)) if p["policyScope"] == "ACCOUNT")
                if count >= MAX_RESOURCE_POLICIES:
                    raise ServiceError("LimitExceededException", "Resource limit exceeded.")
            policy = {"policyName": name, "policyDocument": params["policyDocument"], "lastUpdatedTime": now_ms(ctx),
                      "policyScope": "RESOURCE" if resource_arn else "ACCOUNT", "revisionId": uuid.uuid4().hex}
            if resource_arn:
                policy["resourceArn"] = resource_arn
            self.store.put(self._resource_ns(ctx), key, policy)
        return {"resourcePolicy": policy, "revisionId": policy["revisionId"]}

    def describe_resource_policies(self, ctx: RequestContext, params: dict) -> dict:
        rows = [p for _, p in self.store.scan(self._resource_ns(ctx))
                if (not params.get("resourceArn") or p.get("resourceArn") == params["resourceArn"])
                and (not params.get("policyScope") or p["policyScope"] == params["policyScope"])]
        return page(rows, params, "resourcePolicies", lambda p: p.get("resourceArn") or p["policyName"])

    def delete_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        key = params.get("resourceArn") or params.get("policyName") or ""
        existing = self.store.get(self._resource_ns(ctx), key)
        if existing is None:
            raise ServiceError("ResourceNotFoundException", "Policy with name [" + key + "] does not exist")
        if params.get("expectedRevisionId") not in (None, existing["revisionId"]):
            raise ServiceError("OperationAbortedException", "The expectedRevisionId does not match the policy's "
                               "current revision.")
        self.store.delete(self._resource_ns(ctx), key)
        return {}

    # -- account policies ---------------------------------------------------------------------

    def put_account_policy(self, ctx: RequestContext, params: dict) -> dict:
        kind, name = params["policyType"], params["policyName"]
        if kind == "DATA_PROTECTION_POLICY":
            identifiers_of(params["policyDocument"])
        else:
            _json(params["policyDocument"], "The policy document")
        ns = account_policies_ns(ctx.account_id, ctx.region, kind)
        policy = {"policyName": name, "policyDocument": params["policyDocument"], "lastUpdatedTime": now_ms(ctx),
                  "policyType": kind, "scope": params.get("scope") or "ALL", "accountId": ctx.account_id}
        if params.get("selectionCriteria"):
            policy["selectionCriteria"] = params["selectionCriteria"]
        if params.get("dryRun"):
            return {"accountPolicy": policy}
        with self.store.transaction():
            names = {n for n, _ in self.store.scan(ns)}
            if name not in names and len(names) >= MAX_ACCOUNT_POLICIES.get(kind, 1):
                raise ServiceError("LimitExceededException", "Resource limit exceeded.")
            self.store.put(ns, name, policy)
        return {"accountPolicy": policy}

    def describe_account_policies(self, ctx: RequestContext, params: dict) -> dict:
        rows = [p for _, p in self.store.scan(account_policies_ns(ctx.account_id, ctx.region, params["policyType"]))
                if not params.get("policyName") or p["policyName"] == params["policyName"]]
        if params.get("accountIdentifiers") and ctx.account_id not in params["accountIdentifiers"]:
            rows = []
        return page(rows, params, "accountPolicies", lambda p: p["policyName"])

    def delete_account_policy(self, ctx: RequestContext, params: dict) -> dict:
        ns = account_policies_ns(ctx.account_id, ctx.region, params["policyType"])
        if self.store.get(ns, params["policyName"]) is None:
            raise ServiceError("ResourceNotFoundException", "Policy with name [" + params["policyName"] +
                               "] does not exist")
        if not params.get("dryRun"):
            self.store.delete(ns, params["policyName"])
        return {}
