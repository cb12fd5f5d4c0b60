"""Server-side encryption choices. Bytes are always encrypted at rest (see crypto.py);
this decides what a request or a bucket's default asks for, and refuses what nimbus cannot do yet."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def kms_envelope(ctx: RequestContext, key_id: str | None) -> dict:
    """SSE-KMS plugs in here: ask nimbus KMS (through ctx.runtime.client) for a data key per object,
    encrypt with its plaintext and keep the wrapped copy with the object. Until KMS lands, refused."""
    raise ServiceError("NotImplemented", "SSE-KMS (aws:kms) is not supported by nimbus yet: use AES256 "
                       "(SSE-S3).", status=501)


def encryption_for(ctx: RequestContext, bucket: dict, params: dict) -> str:
    """The algorithm a new object gets: the request's, else the bucket default, else SSE-S3."""
    if params.get("SSECustomerAlgorithm") or params.get("SSECustomerKey"):
        raise ServiceError("NotImplemented", "SSE-C (customer-provided keys) is not supported by nimbus.",
                           status=501)
    algorithm = params.get("ServerSideEncryption")
    key_id = params.get("SSEKMSKeyId")
    if algorithm is None:
        rule = default_rule(bucket)
        algorithm, key_id = rule.get("SSEAlgorithm", "AES256"), rule.get("KMSMasterKeyID")
    if algorithm in KMS_ALGORITHMS:
        kms_envelope(ctx, key_id)
    elif algorithm != "AES256":
        raise ServiceError("InvalidArgument", "The encryption method specified is not supported", status=400,
                           ArgumentName="x-amz-server-side-encryption", ArgumentValue=algorithm)
    return "AES256"


def default_rule(bucket: dict) -> dict:
    config = (bucket.get("Config") or {}).get("Encryption")
    rules = (config or {}).get("Rules") or [{}]
    return rules[0].get("ApplyServerSideEncryptionByDefault") or {}
