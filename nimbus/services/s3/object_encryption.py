"""UpdateObjectEncryption: move an existing object version to SSE-KMS under another key (or with S3 Bucket Keys)
in place: same ETag, same last-modified time, same version.

An SSE-KMS object's data key is re-wrapped under the new KMS key (KMS Decrypt, then Encrypt of the same data key
with the same encryption context), so its bytes are not touched, as in S3. An SSE-S3 object has no data key of
its own in nimbus (its bytes are under the blob store's key), so it gets a new data key from KMS and its bytes are
re-encrypted once under it.
"""
from __future__ import annotations

import base64

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.archive import check_readable
from nimbus.services.s3.documents import Bucket, KmsEnvelope, ObjectVersion
from nimbus.services.s3.encryption import KMS_ALGORITHMS, S3_PRINCIPAL, data_key, kms_envelope, kms_error
from nimbus.services.s3.ingest import IterReader
from nimbus.services.s3.state import S3State


def _rewrapped(ctx: RequestContext, bucket: Bucket, record: ObjectVersion, key_arn: str,
               bucket_key: bool) -> KmsEnvelope:
    plaintext = data_key(ctx, bucket, record)
    old = record["Kms"]
    try:
        wrapped = ctx.runtime.client.call("kms", "Encrypt", {
            "KeyId": key_arn, "Plaintext": plaintext, "EncryptionContext": old["Context"]},
            account_id=bucket["Account"], region=bucket["Region"], principal=ctx.principal, invoked_by=S3_PRINCIPAL)
    except ServiceError as exc:
        raise kms_error(exc) from None
    return {"KeyId": wrapped["KeyId"], "Blob": base64.b64encode(wrapped["CiphertextBlob"]).decode(),
            "Context": old["Context"], "BucketKey": bucket_key}


class ObjectEncryptionOps(S3State):
    def update_object_encryption(self, ctx: RequestContext, params: dict) -> dict:
        target = params["ObjectEncryption"].get("SSEKMS")
        if not target:
            raise ServiceError("InvalidRequest", "UpdateObjectEncryption needs an SSEKMS target.", status=400)
        bucket, record = self._read_version(ctx, params, "s3:UpdateObjectEncryption")
        check_readable(bucket, record, ctx.clock.time())
        bucket_key = bool(target.get("BucketKeyEnabled"))
        freed: list[dict] = []
        if record.get("SSE") in KMS_ALGORITHMS and record.get("Kms"):
            record["Kms"] = _rewrapped(ctx, bucket, record, target["KMSKeyArn"], bucket_key)
        else:
            envelope = kms_envelope(ctx, bucket, record["Key"], target["KMSKeyArn"], bucket_key)
            written = self.blobs.write(IterReader(self.blobs.read(record["Segments"])), {}, key=envelope.data_key)
            freed, record["Segments"] = record["Segments"], [written.segment]
            record["Kms"] = envelope.kms  # type: ignore[typeddict-item]
        record["SSE"] = "aws:kms"
        try:
            with self.store.transaction():
                current = self._find_version(bucket["Name"], record["Key"], record["VersionId"])
                if current is None or current["ETag"] != record["ETag"]:
                    raise ServiceError("NoSuchVersion", "The specified version does not exist.", status=404)
                self._save_version(bucket["Name"], record)
        except BaseException:
            if freed:
                self.blobs.delete(record["Segments"])
            raise
        self.blobs.delete(freed)
        return {}
