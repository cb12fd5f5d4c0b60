"""Settings about how logs arrive and are kept, stored with AWS's validation: the account's storage tier
policy, syslog configurations (a VPC endpoint feeding a group) and bearer-token authentication of a group.
nimbus serves no VPC endpoints and no HTTP log ingestion, so nothing flows through them
(docs/services/logs.md)."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .common import group_arn, group_name_of, now_ms, page
from .state import LogsState
from .stored import StoredKind

TIER = StoredKind("storagetier", "storage tier policy")
SYSLOG = StoredKind("syslog", "syslog configuration")


class IngestionSettingOps(LogsState):
    def put_storage_tier_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy = {"storageTier": params["storageTier"], "lastUpdatedTime": now_ms(ctx)}
        TIER.save(self.store, ctx, "account", policy)
        return policy

    def get_storage_tier_policy(self, ctx: RequestContext, params: dict) -> dict:
        return TIER.find(self.store, ctx, "account") or {"storageTier": "STANDARD"}

    def put_syslog_configuration(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        self.log_group(ctx, name)
        endpoint = params.get("vpcEndpointId") or ""
        SYSLOG.save(self.store, ctx, f"{name}\n{endpoint}", {
            "logGroupArn": group_arn(ctx, name), "sourceType": "VPCE", "createdAt": now_ms(ctx),
            **({"vpcEndpointId": endpoint} if endpoint else {})})
        return {}

    def delete_syslog_configuration(self, ctx: RequestContext, params: dict) -> dict:
        key = f"{group_name_of(params)}\n{params.get('vpcEndpointId') or ''}"
        SYSLOG.get(self.store, ctx, key)
        SYSLOG.delete(self.store, ctx, key)
        return {}

    def list_syslog_configurations(self, ctx: RequestContext, params: dict) -> dict:
        wanted = group_arn(ctx, group_name_of(params)) if params.get("logGroupIdentifier") else None
        rows = [c for c in SYSLOG.all(self.store, ctx) if (wanted is None or c["logGroupArn"] == wanted)
                and (not params.get("vpcEndpointId") or c.get("vpcEndpointId") == params["vpcEndpointId"])]
        return page(rows, {"limit": params.get("maxResults") or 50, "nextToken": params.get("nextToken")},
                    "syslogConfigurations", lambda c: [c["logGroupArn"], c.get("vpcEndpointId", "")])

    def put_bearer_token_authentication(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        with self.store.transaction():
            group = self.log_group(ctx, name)
            group["bearerTokenAuthenticationEnabled"] = bool(params["bearerTokenAuthenticationEnabled"])
            self.save_group(ctx, group)
        return {}
