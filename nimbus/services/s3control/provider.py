"""S3 Control's account-level Block Public Access: Get/Put/DeletePublicAccessBlock for the account named in
``x-amz-account-id`` (the host prefix), which must be the caller's own.

The setting is S3's own document (``nimbus.services.s3``), read by S3's access checks with each bucket's
setting: this API is a second face of S3, not another service reached through the internal client."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider
from nimbus.services.s3.access import BPA_FIELDS
from nimbus.services.s3.common import ACCOUNT_BLOCKS
from nimbus.services.s3.documents import ACCOUNT_PUBLIC_ACCESS_BLOCK


class Provider(BaseProvider):
    # IAM names these actions after the account (s3:GetAccountPublicAccessBlock), not the operation.
    self_authorized = frozenset({"GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"})

    def _account(self, ctx: RequestContext, params: dict, action: str) -> str:
        account = params["AccountId"]
        if account != ctx.account_id:
            raise ServiceError("AccessDenied", "Access Denied", status=403)
        ctx.authorize(action, "*")
        return account

    def get_public_access_block(self, ctx: RequestContext, params: dict) -> dict:
        account = self._account(ctx, params, "s3:GetAccountPublicAccessBlock")
        config = ACCOUNT_PUBLIC_ACCESS_BLOCK.get(self.store, ACCOUNT_BLOCKS, account)
        if config is None:
            raise ServiceError("NoSuchPublicAccessBlockConfiguration", "The public access block configuration "
                               "was not found", status=404, AccountId=account)
        return {"PublicAccessBlockConfiguration": {name: bool(config.get(name)) for name in BPA_FIELDS}}

    def put_public_access_block(self, ctx: RequestContext, params: dict) -> dict:
        account = self._account(ctx, params, "s3:PutAccountPublicAccessBlock")
        config = params.get("PublicAccessBlockConfiguration") or {}
        ACCOUNT_PUBLIC_ACCESS_BLOCK.put(self.store, ACCOUNT_BLOCKS, account,
                                        {name: bool(config.get(name, False)) for name in BPA_FIELDS})
        return {}

    def delete_public_access_block(self, ctx: RequestContext, params: dict) -> dict:
        account = self._account(ctx, params, "s3:PutAccountPublicAccessBlock")
        self.store.delete(ACCOUNT_BLOCKS, account)
        return {}
