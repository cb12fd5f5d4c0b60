"""What CreateLogGroup and AssociateKmsKey check of a group's KMS key, as AWS does: the key exists and its
policy lets the regional Logs service principal use it for that group (a data key with the group's
``aws:logs:arn`` encryption context, as the policy AWS documents grants)."""
from __future__ import annotations

from nimbus.core.context import CallSource, RequestContext
from nimbus.protocol.errors import ServiceError

from .common import group_arn, invalid


def check_kms_key(ctx: RequestContext, key_arn: str, group: str) -> None:
    parts = key_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "kms":
        raise invalid("Specified KMS key must be an ARN")
    arn = group_arn(ctx, group)
    try:
        ctx.runtime.client.call("kms", "GenerateDataKey", {
            "KeyId": key_arn, "KeySpec": "AES_256", "EncryptionContext": {"aws:logs:arn": arn}},
            account_id=ctx.account_id, region=parts[3], invoked_by=f"logs.{ctx.region}.amazonaws.com",
            source=CallSource(arn, ctx.account_id))
    except ServiceError:
        raise invalid(f"The specified KMS key does not exist or is not allowed to be used with Arn '{arn}'") from None
