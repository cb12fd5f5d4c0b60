"""Security configurations (Create/Describe/List/DeleteSecurityConfiguration) and the account's block public
access configuration. nimbus records both; there are no EC2 security groups for the latter to check."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json

from .documents import SECURITY_CONFIGURATION, SecurityConfiguration
from .state import EmrState, invalid_request, security_ns

_BPA_KEY = "block-public-access"
RESOURCE_TYPE = "AWS::EMR::SecurityConfiguration"


def security_configuration_arn(ctx: RequestContext, name: str) -> str:
    """EMR answers no ARN for a security configuration: nimbus names one in the form of EMR's other ARNs."""
    return f"arn:aws:elasticmapreduce:{ctx.region}:{ctx.account_id}:security-configuration/{name}"


class SecurityOps(EmrState):
    def create_security_configuration(self, ctx: RequestContext, params: dict) -> dict:
        name = params["Name"]
        try:
            document = read_json(params["SecurityConfiguration"])
        except ValueError:
            raise invalid_request("Invalid SecurityConfiguration JSON.") from None
        if not isinstance(document, dict):
            raise invalid_request("Invalid SecurityConfiguration JSON.")
        entry: SecurityConfiguration = {"Name": name, "SecurityConfiguration": params["SecurityConfiguration"],
                                        "CreationDateTime": ctx.clock.time()}
        with self.store.transaction():
            if self.find_security_configuration(ctx, name) is not None:
                raise invalid_request(f"SecurityConfiguration with name '{name}' already exists.")
            SECURITY_CONFIGURATION.put(self.store, security_ns(ctx.account_id, ctx.region), name, entry)
        ctx.emit_resource_change(RESOURCE_TYPE, security_configuration_arn(ctx, name), "created",
                                 lambda: {"Name": name})
        return {"Name": name, "CreationDateTime": entry["CreationDateTime"]}

    def describe_security_configuration(self, ctx: RequestContext, params: dict) -> dict:
        return dict(self._named(ctx, params["Name"]))

    def list_security_configurations(self, ctx: RequestContext, params: dict) -> dict:
        found = SECURITY_CONFIGURATION.scan(self.store, security_ns(ctx.account_id, ctx.region))
        return {"SecurityConfigurations": [{"Name": e["Name"], "CreationDateTime": e["CreationDateTime"]}
                                           for _, e in found]}

    def delete_security_configuration(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            self._named(ctx, params["Name"])
            self.store.delete(security_ns(ctx.account_id, ctx.region), params["Name"])
        ctx.emit_resource_change(RESOURCE_TYPE, security_configuration_arn(ctx, params["Name"]), "deleted")
        return {}

    def _named(self, ctx: RequestContext, name: str) -> SecurityConfiguration:
        found = self.find_security_configuration(ctx, name)
        if found is None:
            raise invalid_request(f"Security configuration with name '{name}' does not exist.")
        return found

    def put_block_public_access_configuration(self, ctx: RequestContext, params: dict) -> dict:
        self.store.put(("emr", ctx.account_id, ctx.region, _BPA_KEY), "configuration",
                       {"BlockPublicAccessConfiguration": params["BlockPublicAccessConfiguration"],
                        "CreationDateTime": ctx.clock.time(), "CreatedByArn": ctx.principal.arn})
        return {}

    def get_block_public_access_configuration(self, ctx: RequestContext, params: dict) -> dict:
        stored = self.store.get(("emr", ctx.account_id, ctx.region, _BPA_KEY), "configuration")
        if stored is None:  # AWS's default: blocked, except SSH
            return {"BlockPublicAccessConfiguration": {
                        "BlockPublicSecurityGroupRules": True,
                        "PermittedPublicSecurityGroupRuleRanges": [{"MinRange": 22, "MaxRange": 22}]},
                    "BlockPublicAccessConfigurationMetadata": {"CreationDateTime": 0.0,
                                                               "CreatedByArn": f"arn:aws:iam::{ctx.account_id}:root"}}
        return {"BlockPublicAccessConfiguration": stored["BlockPublicAccessConfiguration"],
                "BlockPublicAccessConfigurationMetadata": {"CreationDateTime": stored["CreationDateTime"],
                                                           "CreatedByArn": stored["CreatedByArn"]}}
