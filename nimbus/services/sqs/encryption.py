"""SSE-KMS: a queue with ``KmsMasterKeyId`` keeps its message bodies sealed (AES-256-GCM) under data keys from
nimbus KMS, asked for as the sender (GenerateDataKey) and the receiver (Decrypt), so the key policy decides
as in AWS. A data key is reused for ``KmsDataKeyReusePeriodSeconds`` (virtual clock) before SQS asks again."""
from __future__ import annotations

import base64
import os
import threading

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import queue_arn, sqs_error
from .documents import Queue, StoredMessage
from .live import LiveQueue

# KMS's errors as SQS reports them.
KMS_ERRORS = {"NotFoundException": "KmsNotFound", "DisabledException": "KmsDisabled",
              "KMSInvalidStateException": "KmsInvalidState", "AccessDeniedException": "KmsAccessDenied",
              "InvalidKeyUsageException": "KmsInvalidKeyUsage", "ThrottlingException": "KmsThrottled",
              "KMSOptInRequired": "KmsOptInRequired"}
DEFAULT_REUSE = 300


def _kms_error(error: ServiceError) -> ServiceError:
    return sqs_error(KMS_ERRORS.get(error.code, "KmsAccessDenied"), error.message)


class DataKeys:
    """Data keys in memory: per queue for sealing, per sealed key for opening, each until its reuse period ends."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sealing: dict[tuple[str, str], tuple[bytes, str, float]] = {}  # (queue ARN, key id) -> key, blob, until
        self.opening: dict[str, tuple[bytes, float]] = {}  # blob -> key, until

    def seal(self, ctx: RequestContext, live: LiveQueue, queue: Queue, message: StoredMessage) -> None:
        key_id = queue["Attributes"].get("KmsMasterKeyId")
        if not key_id:
            return
        arn = queue_arn(live.account, live.region, live.name)
        now = ctx.clock.time()
        with self.lock:
            cached = self.sealing.get((arn, key_id))
        if cached is None or cached[2] <= now:
            try:
                made = ctx.runtime.client.call("kms", "GenerateDataKey", {
                    "KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": {"aws:sqs:arn": arn}},
                    account_id=live.account, region=live.region, principal=ctx.principal,
                    invoked_by="sqs.amazonaws.com")
            except ServiceError as error:
                raise _kms_error(error) from None
            reuse = int(queue["Attributes"].get("KmsDataKeyReusePeriodSeconds") or DEFAULT_REUSE)
            cached = (made["Plaintext"], base64.b64encode(made["CiphertextBlob"]).decode(), now + reuse)
            with self.lock:
                self.sealing[(arn, key_id)] = cached
                self.opening[cached[1]] = (cached[0], cached[2])
        nonce = os.urandom(12)
        sealed = AESGCM(cached[0]).encrypt(nonce, message["Body"].encode(), arn.encode())
        message["Body"] = base64.b64encode(nonce + sealed).decode()
        message["SealedWith"] = cached[1]
        message["SealedFor"] = arn

    def open(self, ctx: RequestContext, account: str, region: str, message: StoredMessage) -> str:
        """The message's body, opened with its data key (as the receiver, through KMS Decrypt when not cached)."""
        blob, arn = message.get("SealedWith"), message.get("SealedFor")
        if not blob or not arn:
            return message["Body"]
        now = ctx.clock.time()
        with self.lock:
            cached = self.opening.get(blob)
        if cached is None or cached[1] <= now:
            try:
                opened = ctx.runtime.client.call("kms", "Decrypt", {
                    "CiphertextBlob": base64.b64decode(blob), "EncryptionContext": {"aws:sqs:arn": arn}},
                    account_id=account, region=region, principal=ctx.principal,
                    invoked_by="sqs.amazonaws.com")
            except ServiceError as error:
                raise _kms_error(error) from None
            cached = (opened["Plaintext"], now + DEFAULT_REUSE)
            with self.lock:
                self.opening[blob] = cached
        raw = base64.b64decode(message["Body"])
        return AESGCM(cached[0]).decrypt(raw[:12], raw[12:], arn.encode()).decode()
