"""Server-side encryption of a delivery stream (Start/StopDeliveryStreamEncryption).

A customer managed key must exist and be enabled in nimbus KMS (checked through the KMS API);
the status then moves ENABLING -> ENABLED (DISABLING -> DISABLED) at once.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose.common import SERVICE_PRINCIPAL, invalid
from nimbus.services.firehose.documents import DeliveryStream, Encryption
from nimbus.services.firehose.state import FirehoseState


def encryption_settings(ctx: RequestContext, given: dict) -> Encryption:
    """The stream's encryption settings for a request's configuration; a customer managed key must be usable."""
    key_type = given.get("KeyType", "AWS_OWNED_CMK")
    settings = Encryption(KeyType=key_type, Status="ENABLED")
    if key_type == "CUSTOMER_MANAGED_CMK":
        arn = given.get("KeyARN")
        if not arn:
            raise invalid("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.")
        try:
            key = ctx.runtime.client.call("kms", "DescribeKey", {"KeyId": arn}, account_id=ctx.account_id,
                                          region=ctx.region, principal=ctx.principal,
                                          invoked_by=SERVICE_PRINCIPAL)["KeyMetadata"]
        except ServiceError as exc:
            raise ServiceError("InvalidKMSResourceException", f"{exc.code}: {exc.message}") from None
        if key.get("KeyState") != "Enabled" or key.get("KeyUsage") != "ENCRYPT_DECRYPT":
            raise ServiceError("InvalidKMSResourceException", f"KMS key {arn} is not usable for encryption.")
        settings["KeyARN"] = key["Arn"]
    elif given.get("KeyARN"):
        raise invalid("KeyARN must not be given when KeyType is AWS_OWNED_CMK.")
    return settings


def refuse_unless_direct_put(stream: DeliveryStream) -> None:
    if stream["DeliveryStreamType"] != "DirectPut":
        raise invalid(f"Encryption is not supported for a {stream['DeliveryStreamType']} delivery stream.")


class EncryptionOps(FirehoseState):
    def start_delivery_stream_encryption(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            stream = self.stream(ctx, params["DeliveryStreamName"])
            refuse_unless_direct_put(stream)
            stream["DeliveryStreamEncryptionConfiguration"] = encryption_settings(
                ctx, params.get("DeliveryStreamEncryptionConfigurationInput") or {})
            self.streams.save(stream)
        return {}

    def stop_delivery_stream_encryption(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            stream = self.stream(ctx, params["DeliveryStreamName"])
            refuse_unless_direct_put(stream)
            stream["DeliveryStreamEncryptionConfiguration"] = Encryption(Status="DISABLED")
            self.streams.save(stream)
        return {}
