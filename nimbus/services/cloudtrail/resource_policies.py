"""Resource-based policies on channels, event data stores and dashboards: Put, Get and Delete."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.policy.document import PolicyError, compile_policy
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.channels import channels_ns
from nimbus.services.cloudtrail.documents import STORED_POLICY
from nimbus.services.cloudtrail.lake_hooks import hooks_for
from nimbus.services.cloudtrail.state import CloudTrailState, dashboards_ns, policies_ns, policy_key

RESOURCE_ARN = re.compile(r"^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):([a-z]+)/([A-Za-z0-9._-]+)$")
MAX_STATEMENTS = 20
MAX_PRINCIPALS = 50
# What each kind of resource's policy may grant (AWS's documented actions for each).
ACTIONS = {
    "channel": {"cloudtrail-data:PutAuditEvents"},
    "eventdatastore": {"cloudtrail:StartQuery", "cloudtrail:GetQueryResults", "cloudtrail:DescribeQuery",
                       "cloudtrail:CancelQuery", "cloudtrail:ListQueries", "cloudtrail:GenerateQuery",
                       "cloudtrail:GenerateQueryResultsSummary"},
    "dashboard": {"cloudtrail:StartDashboardRefresh"},
}


def not_valid(message: str) -> ServiceError:
    return ServiceError("ResourcePolicyNotValidException", message, status=400)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def validate(kind: str, text: str) -> None:
    try:
        compile_policy(text, "resource")
        document = read_json(text)
    except (PolicyError, ValueError) as error:
        raise not_valid(f"Resource policy is not valid: {error}") from None
    statements = _listed(document.get("Statement", []))
    if not statements or len(statements) > MAX_STATEMENTS:
        raise not_valid(f"A resource policy must have between 1 and {MAX_STATEMENTS} statements.")
    for statement in statements:
        principals = statement.get("Principal")
        if principals is None:
            raise not_valid("Each statement of a resource policy must name at least one principal.")
        count = 1 if principals == "*" else sum(len(_listed(v)) for v in principals.values())
        if count > MAX_PRINCIPALS:
            raise not_valid(f"A statement can name at most {MAX_PRINCIPALS} principals.")
        actions = {a for a in _listed(statement.get("Action", [])) if isinstance(a, str)}
        allowed = ACTIONS[kind]
        if not actions or any(a not in allowed for a in actions):
            raise not_valid(f"The only actions a {kind} policy may name are: {', '.join(sorted(allowed))}.")


class ResourcePolicyOps(CloudTrailState):
    def _policy_resource(self, ctx: RequestContext, arn: str) -> str:
        """The kind of resource ``arn`` names, once it is known to exist in the caller's account."""
        match = RESOURCE_ARN.match(arn)
        if not match:
            raise ServiceError("ResourceARNNotValidException", f"Resource ARN {arn} is not valid.", status=400)
        kind = match.group(3)
        if kind not in ACTIONS:
            raise ServiceError("ResourceTypeNotSupportedException",
                               f"Resource policies are not supported on {kind} resources.", status=400)
        if (match.group(2), match.group(1)) != (ctx.account_id, ctx.region) or not self._exists(ctx, kind, arn):
            raise ServiceError("ResourceNotFoundException", f"The specified resource {arn} was not found.",
                               status=400)
        return kind

    def _exists(self, ctx: RequestContext, kind: str, arn: str) -> bool:
        if kind == "eventdatastore":
            find = hooks_for(ctx.runtime).find_event_data_store
            return find is not None and find(arn) is not None
        ns = (channels_ns if kind == "channel" else dashboards_ns)(ctx.account_id, ctx.region)
        return self.store.get(ns, arn.rsplit("/", 1)[1]) is not None

    def put_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["ResourceArn"]
        kind = self._policy_resource(ctx, arn)
        validate(kind, params["ResourcePolicy"])
        STORED_POLICY.put(self.store, policies_ns(ctx.account_id, ctx.region), policy_key(arn),
                          {"ResourceArn": arn, "ResourcePolicy": params["ResourcePolicy"]})
        return {"ResourceArn": arn, "ResourcePolicy": params["ResourcePolicy"]}

    def _stored(self, ctx: RequestContext, arn: str):
        self._policy_resource(ctx, arn)
        found = STORED_POLICY.get(self.store, policies_ns(ctx.account_id, ctx.region), policy_key(arn))
        if found is None:
            raise ServiceError("ResourcePolicyNotFoundException",
                               f"The resource policy for {arn} was not found.", status=400)
        return found

    def get_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        found = self._stored(ctx, params["ResourceArn"])
        return {"ResourceArn": found["ResourceArn"], "ResourcePolicy": found["ResourcePolicy"]}

    def delete_resource_policy(self, ctx: RequestContext, params: dict) -> dict:
        self._stored(ctx, params["ResourceArn"])
        self._forget_policy(ctx, params["ResourceArn"])
        return {}


def stored_policy(store, account: str, region: str, arn: str) -> str | None:
    """The policy text on a resource, for the services that enforce it (PutAuditEvents)."""
    found = STORED_POLICY.get(store, policies_ns(account, region), policy_key(arn))
    return found["ResourcePolicy"] if found else None
