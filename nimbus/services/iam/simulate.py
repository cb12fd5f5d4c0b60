"""SimulatePrincipalPolicy and SimulateCustomPolicy: the policy engine, asked directly."""
from __future__ import annotations

from nimbus.core.arns import parse_arn
from nimbus.core.context import RequestContext
from nimbus.core.policy import PolicyError, Request, compile_policy, evaluate
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import no_such_entity, paged_output
from nimbus.services.iam.state import IamState

DECISIONS = {"allowed": "allowed", "explicit_deny": "explicitDeny", "implicit_deny": "implicitDeny"}
PRINCIPAL_TYPES = {"user": "IAMUser", "role": "AssumedRole", "root": "Root", "assumed-role": "AssumedRole"}


def _compile_all(documents: list[str], kind: str = "identity") -> list:
    try:
        return [compile_policy(d, kind) for d in documents]
    except PolicyError as error:
        raise ServiceError("MalformedPolicyDocument", str(error), status=400) from None


class SimulationOps(IamState):
    def simulate_custom_policy(self, ctx: RequestContext, params: dict) -> dict:
        return self._simulate(ctx, params, params["PolicyInputList"], ctx.account_id)

    def simulate_principal_policy(self, ctx: RequestContext, params: dict) -> dict:
        source = params["PolicySourceArn"]
        parsed = parse_arn(source) or {}
        kind, _, name = parsed.get("resource", "").partition("/")
        name = name.rsplit("/", 1)[-1]
        if parsed.get("service") != "iam" or kind not in ("user", "group", "role"):
            raise ServiceError("InvalidInput", f"Invalid ARN: {source}", status=400)
        account = parsed["account"]
        entity = self._find(account, kind, name)
        if entity is None:
            raise no_such_entity(f"The {kind} with name {name} cannot be found.")
        holders = [entity]
        if kind == "user":
            user = self._entity(account, "user", name)
            holders += [g for g in (self._find(account, "group", n) for n in user.get("Groups", ())) if g]
        documents = [d for holder in holders for d in self._holder_documents(account, holder)]
        documents += params.get("PolicyInputList", [])
        params = {"CallerArn": source if kind != "group" else None, **params}
        return self._simulate(ctx, params, documents, account)

    def _simulate(self, ctx: RequestContext, params: dict, documents: list[str], account: str) -> dict:
        identity = _compile_all(documents)
        boundary = _compile_all(params.get("PermissionsBoundaryPolicyInputList") or []) or None
        resource_policy = _compile_all([params["ResourcePolicy"]], "resource")[0] \
            if params.get("ResourcePolicy") else None
        caller = params.get("CallerArn") or ctx.arn("user/simulated")
        caller_parts = parse_arn(caller) or {}
        caller_kind = caller_parts.get("resource", "user").split("/")[0]
        context = {}
        for entry in params.get("ContextEntries", []):
            values = entry.get("ContextKeyValues", [])
            multi = entry.get("ContextKeyType", "").endswith("List")
            context[entry["ContextKeyName"].lower()] = values if multi or len(values) != 1 else values[0]
        owner = params.get("ResourceOwner")
        owner_account = (parse_arn(owner) or {}).get("account") if owner else None
        results = []
        for action in params["ActionNames"]:
            for resource in params.get("ResourceArns") or ["*"]:
                request = Request(action, resource, PRINCIPAL_TYPES.get(caller_kind, "IAMUser"), caller,
                                  caller_parts.get("account") or account, resource_account=owner_account,
                                  context=context)
                decision = evaluate(request, identity, boundary, resource_policy)
                results.append({"EvalActionName": action, "EvalResourceName": resource,
                                "EvalDecision": DECISIONS[decision.reason], "MatchedStatements": [],
                                "MissingContextValues": []})
        return paged_output(results, params, lambda r: f"{r['EvalActionName']} {r['EvalResourceName']}",
                            "EvaluationResults", lambda r: r)
