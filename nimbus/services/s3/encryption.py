"""Server-side encryption choices. Bytes are always encrypted at rest (see crypto.py): under the
nimbus-held SSE-S3 key, or, for SSE-KMS, under a data key per object that nimbus KMS generates
and wraps (an envelope: only the wrapped copy is kept with the object)."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.documents import Bucket, MultipartUpload, ObjectVersion

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
AWS_MANAGED_KEY = "alias/aws/s3"
S3_PRINCIPAL = "s3.amazonaws.com"


@dataclass
class Encryption:
    """What a new object (or multipart upload) is encrypted with."""
    algorithm: str = "AES256"
    kms: dict | None = None  # {"KeyId": arn, "Blob": b64 wrapped data key, "Context": {...}, "BucketKey": bool}
    data_key: bytes | None = field(default=None, repr=False)  # plaintext, never stored
    user_context: str | None = None

    @property
    def record(self) -> dict:
        return {"SSE": self.algorithm, **({"Kms": self.kms} if self.kms else {})}

    @property
    def output(self) -> dict:
        out = sse_output({"SSE": self.algorithm, "Kms": self.kms})
        if self.user_context:
            out["SSEKMSEncryptionContext"] = self.user_context
        return out


def sse_output(record: ObjectVersion | MultipartUpload) -> dict:
    """The encryption members of a response about an object or upload."""
    algorithm = record.get("SSE") or "AES256"
    out = {"ServerSideEncryption": algorithm}
    kms = record.get("Kms")
    if algorithm in KMS_ALGORITHMS and kms:
        out["SSEKMSKeyId"] = kms["KeyId"]
        if kms.get("BucketKey"):
            out["BucketKeyEnabled"] = True
    return out


def kms_error(error: ServiceError) -> ServiceError:
    """KMS's refusal as S3 reports it: ``KMS.<code>`` (400), or AccessDenied for permissions."""
    if error.code in ("AccessDeniedException", "AccessDenied"):
        return ServiceError("AccessDenied", "Access Denied", status=403)
    return ServiceError(f"KMS.{error.code}", error.message, status=400)


def _require_sigv4(ctx: RequestContext) -> None:
    if ctx.principal.type == "Anonymous":
        raise ServiceError("InvalidArgument", "Requests specifying Server Side Encryption with AWS KMS managed keys "
                           "require AWS Signature Version 4.", status=400, ArgumentName="Authorization",
                           ArgumentValue="null")


def kms_envelope(ctx: RequestContext, bucket: Bucket, key: str, key_id: str | None, bucket_key: bool,
                 user_context: str | None = None) -> Encryption:
    """SSE-KMS: a fresh data key from nimbus KMS, asked by S3 on the caller's behalf (``invokedBy``
    s3.amazonaws.com, so key policies can use kms:ViaService) in the bucket's account and Region,
    bound to the object by the encryption context ``{"aws:s3:arn": <object ARN>}``."""
    _require_sigv4(ctx)
    context = {}
    if user_context:
        try:
            context = json.loads(base64.b64decode(user_context, validate=True))
            if not isinstance(context, dict) or not all(isinstance(v, str) for v in context.values()):
                raise ValueError
        except (ValueError, binascii.Error):
            raise ServiceError("InvalidArgument", "The header 'x-amz-server-side-encryption-context' shall be Base64-"
                               "encoded UTF-8 string holding JSON which represents a string-string map", status=400,
                               ArgumentName="x-amz-server-side-encryption-context") from None
    context["aws:s3:arn"] = f"arn:aws:s3:::{bucket['Name']}/{key}"
    try:
        made = ctx.runtime.client.call("kms", "GenerateDataKey", {
            "KeyId": key_id or AWS_MANAGED_KEY, "KeySpec": "AES_256", "EncryptionContext": context},
            account_id=bucket["Account"], region=bucket["Region"], principal=ctx.principal, invoked_by=S3_PRINCIPAL)
    except ServiceError as exc:
        raise kms_error(exc) from None
    kms = {"KeyId": made["KeyId"], "Blob": base64.b64encode(made["CiphertextBlob"]).decode(), "Context": context,
           "BucketKey": bool(bucket_key)}
    return Encryption("aws:kms", kms, made["Plaintext"], user_context)


def data_key(ctx: RequestContext, bucket: Bucket, record: ObjectVersion | MultipartUpload) -> bytes | None:
    """The plaintext data key of an SSE-KMS object or upload (KMS Decrypt); None for SSE-S3."""
    kms = record.get("Kms")
    if record.get("SSE") not in KMS_ALGORITHMS or not kms:
        return None
    _require_sigv4(ctx)
    try:
        opened = ctx.runtime.client.call("kms", "Decrypt", {
            "CiphertextBlob": base64.b64decode(kms["Blob"]), "EncryptionContext": kms["Context"],
            "KeyId": kms["KeyId"]}, account_id=bucket["Account"], region=bucket["Region"], principal=ctx.principal,
            invoked_by=S3_PRINCIPAL)
    except ServiceError as exc:
        raise kms_error(exc) from None
    return opened["Plaintext"]


def encryption_for(ctx: RequestContext, bucket: Bucket, params: dict, key: str | None = None) -> Encryption:
    """The encryption a new object gets: the request's, else the bucket default, else SSE-S3."""
    if params.get("SSECustomerAlgorithm") or params.get("SSECustomerKey"):
        raise ServiceError("NotImplemented", "SSE-C (customer-provided keys) is not supported by nimbus.",
                           status=501)
    algorithm = params.get("ServerSideEncryption")
    key_id = params.get("SSEKMSKeyId")
    bucket_key = params.get("BucketKeyEnabled")
    if key_id and algorithm not in KMS_ALGORITHMS:
        raise ServiceError("InvalidArgument", "Server Side Encryption with AWS KMS managed key requires HTTP header "
                           "x-amz-server-side-encryption : aws:kms", status=400,
                           ArgumentName="x-amz-server-side-encryption-aws-kms-key-id", ArgumentValue=key_id)
    if algorithm is None:
        rule = default_rule(bucket)
        algorithm, key_id = rule.get("SSEAlgorithm", "AES256"), rule.get("KMSMasterKeyID")
        if bucket_key is None:
            bucket_key = default_bucket_key(bucket)
    if algorithm in KMS_ALGORITHMS:
        if key is None:  # nothing to encrypt yet (validation only)
            return Encryption(algorithm)
        envelope = kms_envelope(ctx, bucket, key, key_id, bool(bucket_key), params.get("SSEKMSEncryptionContext"))
        envelope.algorithm = algorithm
        return envelope
    if algorithm != "AES256":
        raise ServiceError("InvalidArgument", "The encryption method specified is not supported", status=400,
                           ArgumentName="x-amz-server-side-encryption", ArgumentValue=algorithm)
    return Encryption("AES256")


def default_rule(bucket: Bucket) -> dict:
    config = (bucket.get("Config") or {}).get("Encryption")
    rules = (config or {}).get("Rules") or [{}]
    return rules[0].get("ApplyServerSideEncryptionByDefault") or {}


def default_bucket_key(bucket: Bucket) -> bool:
    config = (bucket.get("Config") or {}).get("Encryption")
    rules = (config or {}).get("Rules") or [{}]
    return bool(rules[0].get("BucketKeyEnabled"))
