"""GetFederationToken, GetAccessKeyInfo and DecodeAuthorizationMessage."""
from __future__ import annotations

import json

from nimbus.core.arns import DEFAULT_ACCOUNT, partition_for
from nimbus.core.authorization_message import decode
from nimbus.core.context import RequestContext
from nimbus.core.identity import Principal
from nimbus.protocol.errors import ServiceError
from nimbus.services.sts.state import StsState

FEDERATION_SECONDS = 43200
ROOT_FEDERATION_SECONDS = 3600
# Without a session policy a federated user may do nothing, as in AWS: an allow that matches no action.
NOTHING = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "none:nothing", "Resource": "*"}]})


class FederationOps(StsState):
    def get_federation_token(self, ctx: RequestContext, params: dict) -> dict:
        caller = ctx.principal
        if caller.type not in ("IAMUser", "Root") or caller.session_context:
            raise ServiceError("AccessDenied", "Cannot call GetFederationToken with session credentials",
                               status=403)
        if params.get("PolicyArns"):
            raise ServiceError("ValidationError", "PolicyArns are not supported by nimbus's GetFederationToken; "
                               "pass the session policy as Policy", status=400)
        name, account = params["Name"], caller.account_id
        duration = params.get("DurationSeconds", FEDERATION_SECONDS)
        if caller.type == "Root":
            duration = min(duration, ROOT_FEDERATION_SECONDS)
        arn = f"arn:{partition_for(ctx.region)}:sts::{account}:federated-user/{name}"
        session_context = {
            # The federated user's permissions: its issuer's identity policies, narrowed by the session policy.
            "sessionIssuer": {"type": "Root" if caller.type == "Root" else "IAMUser", "arn": caller.arn,
                              "principalId": caller.principal_id, "accountId": account,
                              "userName": caller.user_name or ""},
            "policy": self._session_policy(params) or NOTHING,
            "attributes": self._attributes(ctx, params),
        }
        if params.get("Tags"):
            session_context["tags"] = {t["Key"]: t["Value"] for t in params["Tags"]}
        principal = Principal(type="FederatedUser", account_id=account, arn=arn, principal_id=f"{account}:{name}",
                              session_context=session_context)
        output = {"Credentials": self._issue(ctx, principal, duration),
                  "FederatedUser": {"FederatedUserId": principal.principal_id, "Arn": arn}}
        if params.get("Policy"):
            output["PackedPolicySize"] = min(100, max(1, len(params["Policy"]) * 100 // 2048))
        return output

    def get_access_key_info(self, ctx: RequestContext, params: dict) -> dict:
        key_id = params["AccessKeyId"]
        credential = ctx.runtime.credentials.lookup(key_id)
        if credential is not None:
            return {"Account": credential.principal.account_id}
        return {"Account": DEFAULT_ACCOUNT}  # nimbus's convention: an unknown key is the default account's

    def decode_authorization_message(self, ctx: RequestContext, params: dict) -> dict:
        decoded = decode(ctx.runtime.vault, params["EncodedMessage"])
        if decoded is None:
            raise ServiceError("InvalidAuthorizationMessageException", "The encoded authorization message is "
                               "invalid or was not issued by this server.", status=400)
        return {"DecodedMessage": decoded}
