"""Aliases: friendly names for keys in one account and Region; ``alias/aws/`` is AWS's own."""
from __future__ import annotations

from nimbus.core.arns import arn
from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kms import access
from nimbus.services.kms.documents import ALIAS, Alias, Key
from nimbus.services.kms.keys import AWS_MANAGED_ALIAS, aliases_ns
from nimbus.services.kms.listing import page
from nimbus.services.kms.state import KmsState

PREFIX_MESSAGE = ('Alias must start with the prefix "alias/". '
                  'Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html')


def check_name(name: str) -> None:
    if not name.startswith("alias/") or name == "alias/":
        raise ServiceError("ValidationException", PREFIX_MESSAGE)
    if ":" in name:
        raise ServiceError("ValidationException", f"{name} contains invalid characters for an alias")


def check_custom(name: str) -> None:
    check_name(name)
    if name.startswith(AWS_MANAGED_ALIAS):
        raise ServiceError("NotAuthorizedException", "")


class AliasOps(KmsState):
    def _alias_target(self, ctx: RequestContext, name: str, target: str, operation: str) -> Key:
        # AWS: the alias needs the permission in an IAM policy, its key(s) in their key policy.
        ctx.authorize(f"kms:{operation}", arn("kms", ctx.account_id, ctx.region, name), error=access.denied)
        if target.startswith("alias/") or ":alias/" in target:
            raise ServiceError("ValidationException", "Aliases must refer to keys. Not aliases")
        key = self.keys.resolve(ctx, target, allow_alias=False)
        self.check_state(key, operation)
        self.authorize(ctx, key, operation)
        if key["KeyManager"] == "AWS":
            raise ServiceError("NotAuthorizedException", "")
        return key

    def create_alias(self, ctx: RequestContext, params: dict) -> dict:
        name = params["AliasName"]
        check_custom(name)
        with self.store.transaction():
            key = self._alias_target(ctx, name, params["TargetKeyId"], "CreateAlias")
            ns = aliases_ns(ctx.account_id, ctx.region)
            if ALIAS.get(self.store, ns, name) is not None:
                raise ServiceError("AlreadyExistsException",
                                   f"An alias with the name {arn('kms', ctx.account_id, ctx.region, name)} already exists")
            now = ctx.clock.time()
            ALIAS.put(self.store, ns, name, Alias(AliasName=name, TargetKeyId=key["KeyId"], CreationDate=now,
                                                  LastUpdatedDate=now))
        return {}

    def update_alias(self, ctx: RequestContext, params: dict) -> dict:
        name = params["AliasName"]
        check_custom(name)
        with self.store.transaction():
            alias = self.keys.alias(ctx, ctx.account_id, ctx.region, name)
            key = self._alias_target(ctx, name, params["TargetKeyId"], "UpdateAlias")
            current = self.keys.load(ctx.account_id, ctx.region, alias["TargetKeyId"])
            if current is not None:
                self.authorize(ctx, current, "UpdateAlias")
            if current is not None and (current["KeySpec"], current["KeyUsage"]) != (key["KeySpec"], key["KeyUsage"]):
                raise ServiceError("ValidationException",
                                   "The new target key must have the same key spec and key usage as the current "
                                   "target key.")
            alias.update(TargetKeyId=key["KeyId"], LastUpdatedDate=ctx.clock.time())
            ALIAS.put(self.store, aliases_ns(ctx.account_id, ctx.region), name, alias)
        return {}

    def delete_alias(self, ctx: RequestContext, params: dict) -> dict:
        name = params["AliasName"]
        check_custom(name)
        with self.store.transaction():
            alias = self.keys.alias(ctx, ctx.account_id, ctx.region, name)
            ctx.authorize("kms:DeleteAlias", arn("kms", ctx.account_id, ctx.region, name), error=access.denied)
            key = self.keys.load(ctx.account_id, ctx.region, alias["TargetKeyId"])
            if key is not None:
                self.authorize(ctx, key, "DeleteAlias")
            self.store.delete(aliases_ns(ctx.account_id, ctx.region), name)
        return {}

    def list_aliases(self, ctx: RequestContext, params: dict) -> dict:
        aliases = [a for _, a in ALIAS.scan(self.store, aliases_ns(ctx.account_id, ctx.region))]
        if params.get("KeyId"):
            key = self.keys.resolve(ctx, params["KeyId"], allow_alias=False)
            aliases = [a for a in aliases if a["TargetKeyId"] == key["KeyId"]]
        else:
            # Keys deleted by the clock take their aliases with them; read each target once to apply that.
            live = {k["KeyId"] for k in self.keys.all(ctx.account_id, ctx.region)}
            aliases = [a for a in aliases if a["TargetKeyId"] in live]
        output = page(aliases, params, lambda a: a["AliasName"], "Aliases", default_limit=50)
        output["Aliases"] = [{
            "AliasName": a["AliasName"], "AliasArn": arn("kms", ctx.account_id, ctx.region, a["AliasName"]),
            "TargetKeyId": a["TargetKeyId"], "CreationDate": timestamp(a["CreationDate"]),
            "LastUpdatedDate": timestamp(a["LastUpdatedDate"]),
        } for a in output["Aliases"]]
        return output
