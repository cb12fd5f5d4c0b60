"""GetContextKeysFor{Custom,Principal}Policy: the condition keys policies use (what a simulation needs as
ContextEntries), and SetSecurityTokenServicePreferences (the version of tokens the global STS endpoint
issues, which GetAccountSummary reports)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import no_such_entity, ns, validated_document
from nimbus.services.iam.documents import STS_PREFERENCES
from nimbus.services.iam.state import IamState

TOKEN_VERSIONS = {"v1Token": 1, "v2Token": 2}


def _keys(documents: list[str]) -> list[str]:
    """The condition keys the documents use, each as first written (keys compare case-insensitively)."""
    names: dict[str, str] = {}
    for document in documents:
        data = read_json(validated_document(document))
        statements = data["Statement"] if isinstance(data["Statement"], list) else [data["Statement"]]
        for statement in statements:
            for block in (statement.get("Condition") or {}).values():
                for key in block:
                    names.setdefault(key.lower(), key)
    return sorted(names.values(), key=str.lower)


class ContextKeyOps(IamState):
    def get_context_keys_for_custom_policy(self, ctx: RequestContext, params: dict) -> dict:
        return {"ContextKeyNames": _keys(params["PolicyInputList"])}

    def get_context_keys_for_principal_policy(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["PolicySourceArn"]
        kind, _, _ = arn.split(":", 5)[-1].partition("/")
        holder = next((e for e in self._all(ctx.account_id, kind) if e["Arn"] == arn), None) \
            if kind in ("user", "group", "role") else None
        if holder is None:
            raise no_such_entity(f"The entity with ARN {arn} cannot be found.")
        holders = [holder]
        if kind == "user":
            groups = dict(holder).get("Groups", [])
            holders += [g for g in (self._find(ctx.account_id, "group", n) for n in groups) if g]
        documents = [d for h in holders for d in self._holder_documents(ctx.account_id, h)]
        return {"ContextKeyNames": _keys(documents + params.get("PolicyInputList", []))}

    def set_security_token_service_preferences(self, ctx: RequestContext, params: dict) -> dict:
        version = TOKEN_VERSIONS.get(params["GlobalEndpointTokenVersion"])
        if version is None:
            raise ServiceError("ValidationError", "GlobalEndpointTokenVersion must be v1Token or v2Token", status=400)
        STS_PREFERENCES.put(self.store, ns(ctx.account_id, "sts_preferences"), "preferences",
                            {"GlobalEndpointTokenVersion": version})
        return {}
