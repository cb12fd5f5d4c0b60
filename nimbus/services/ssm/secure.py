"""SecureString values: encrypted and decrypted by nimbus KMS on the caller's behalf, as AWS does it.

Parameter Store calls KMS as the caller (so the caller's KMS permissions and the key policy decide),
through SSM (``kms:ViaService`` ssm.<region>.amazonaws.com, which the AWS managed key ``alias/aws/ssm``
requires), bound to the parameter by the encryption context ``{"PARAMETER_ARN": <its ARN>}``. The
stored value is the base64 KMS ciphertext, which is what a read without WithDecryption returns.
"""
from __future__ import annotations

import base64
import binascii

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

DEFAULT_KEY = "alias/aws/ssm"
SSM_PRINCIPAL = "ssm.amazonaws.com"
# KMS's words for a key that cannot be used, in Parameter Store's.
_KEY_ERRORS = {"NotFoundException": "InvalidKeyId", "DisabledException": "InvalidKeyId",
               "KMSInvalidStateException": "InvalidKeyId", "InvalidKeyUsageException": "InvalidKeyId"}


def _kms(ctx: RequestContext, operation: str, params: dict) -> dict:
    try:
        return ctx.runtime.client.call("kms", operation, params, account_id=ctx.account_id, region=ctx.region,
                                       principal=ctx.principal, invoked_by=SSM_PRINCIPAL)
    except ServiceError as error:
        raise ServiceError(_KEY_ERRORS.get(error.code, error.code), error.message) from None


def encrypt(ctx: RequestContext, arn: str, key_id: str, plaintext: str) -> str:
    made = _kms(ctx, "Encrypt", {"KeyId": key_id, "Plaintext": plaintext.encode(),
                                 "EncryptionContext": {"PARAMETER_ARN": arn}})
    return base64.b64encode(made["CiphertextBlob"]).decode()


def decrypt(ctx: RequestContext, arn: str, ciphertext: str) -> str:
    try:
        blob = base64.b64decode(ciphertext, validate=True)
    except binascii.Error:
        raise ServiceError("InvalidKeyId", "The stored value is not a KMS ciphertext.") from None
    opened = _kms(ctx, "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"PARAMETER_ARN": arn}})
    return opened["Plaintext"].decode()
