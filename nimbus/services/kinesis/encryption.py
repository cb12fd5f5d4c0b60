"""Server-side encryption of stored records with a KMS key's data key.

``StartStreamEncryption`` stores the setting (type KMS and the key id). Records are sealed with
AES-256-GCM under a data key that nimbus KMS generates for the stream's key through the internal client
(``kms.GenerateDataKey``); the encrypted data key is kept with the stream and decrypted with
``kms.Decrypt`` to read. While nimbus has no KMS service (or it cannot be reached), records are stored
unsealed (flag 0) and stay readable; either way each record says in its flags how it was stored.
"""
from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable

from nimbus.core.aead import aes_gcm
from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis.documents import Stream

ENCRYPTED = 1
_NONCE = 12
_keys: dict[str, bytes] = {}  # stream id + encrypted data key -> plaintext data key
_lock = threading.Lock()


def kms_available(ctx: RequestContext) -> bool:
    return "kms" in ctx.runtime.services.names


def stream_data_key(ctx: RequestContext, stream: Stream, for_write: bool = True) -> bytes | None:
    """The plaintext data key records of ``stream`` are sealed with, made once by KMS; None without KMS.

    KMS errors (a disabled or missing key) propagate with their KMS* codes, which Kinesis also uses,
    so a disabled key stops reads and writes as in AWS.
    """
    settings = stream["Encryption"]
    if (for_write and settings["EncryptionType"] != "KMS") or not kms_available(ctx):
        return None
    key_id = settings["KeyId"] or settings["DataKeyOf"] or ""  # one is set once there is a key to use
    if settings["DataKey"] or for_write:
        _check_key_state(ctx, key_id)
    with _lock:
        blob = settings["DataKey"]
        if blob is None:
            if not for_write:
                return None
            generated = _kms(ctx, "GenerateDataKey", {"KeyId": settings["KeyId"], "KeySpec": "AES_256"})
            blob = settings["DataKey"] = base64.b64encode(generated["CiphertextBlob"]).decode()
            _keys[stream["StreamId"] + blob] = generated["Plaintext"]
        key = _keys.get(stream["StreamId"] + blob)
        if key is None:
            key = _keys[stream["StreamId"] + blob] = _kms(ctx, "Decrypt", {"CiphertextBlob": base64.b64decode(blob),
                                                                    "KeyId": key_id})["Plaintext"]
        return key


def check_key(ctx: RequestContext, key_id: str) -> dict | None:
    """StartStreamEncryption's check that the key exists and is usable (when nimbus has KMS); its
    KeyMetadata."""
    return _check_key_state(ctx, key_id) if kms_available(ctx) else None


def _check_key_state(ctx: RequestContext, key_id: str) -> dict:
    """Each call checks the key, so disabling it stops reads and writes at once (the data key is cached)."""
    metadata = _kms(ctx, "DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    state = metadata.get("KeyState", "Enabled")
    if state == "Disabled":
        raise ServiceError("KMSDisabledException", f"The KMS key {key_id} is disabled.")
    if state != "Enabled":
        raise ServiceError("KMSInvalidStateException", f"The KMS key {key_id} is in state {state}.")
    return metadata


def _kms(ctx: RequestContext, operation: str, params: dict) -> dict:
    try:
        # As the caller, through Kinesis (kms:ViaService), as AWS does it.
        return ctx.runtime.client.call("kms", operation, params, account_id=ctx.account_id, region=ctx.region,
                                       principal=ctx.principal, invoked_by="kinesis.amazonaws.com")
    except ServiceError as error:
        code = {"DisabledException": "KMSDisabledException", "NotFoundException": "KMSNotFoundException",
                "KMSInvalidStateException": "KMSInvalidStateException",
                "AccessDeniedException": "KMSAccessDeniedException"}.get(error.code, error.code)
        raise ServiceError(code, error.message) from None


def sealer(ctx: RequestContext, stream: Stream) -> Callable[[bytes], tuple[int, bytes]]:
    key = stream_data_key(ctx, stream)
    if key is None:
        return lambda data: (0, data)
    cipher = aes_gcm(key)

    def seal(data: bytes) -> tuple[int, bytes]:
        nonce = os.urandom(_NONCE)
        return ENCRYPTED, nonce + cipher.encrypt(nonce, data, None)
    return seal


def unsealer(ctx: RequestContext, stream: Stream) -> Callable[[int, bytes], bytes]:
    cipher = None

    def unseal(flags: int, data: bytes) -> bytes:
        nonlocal cipher
        if not flags & ENCRYPTED:
            return data
        if cipher is None:
            key = stream_data_key(ctx, stream, for_write=False)
            if key is None:
                raise ServiceError("KMSNotFoundException", "The stream's KMS key is not available.")
            cipher = aes_gcm(key)
        return cipher.decrypt(data[:_NONCE], data[_NONCE:], None)
    return unseal
