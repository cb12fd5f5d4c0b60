"""UpdateObjectEncryption: an object moves to SSE-KMS (or another KMS key) in place, bytes and ETag unchanged."""
from __future__ import annotations

from tests.support import error_of


def key_arn(kms) -> str:
    return kms.create_key()["KeyMetadata"]["Arn"]


def test_sse_s3_object_moves_to_kms(s3, kms, bucket):
    put = s3.put_object(Bucket=bucket, Key="plain", Body=b"secret data")
    target = key_arn(kms)
    s3.update_object_encryption(Bucket=bucket, Key="plain", ObjectEncryption={"SSEKMS": {"KMSKeyArn": target}})
    head = s3.head_object(Bucket=bucket, Key="plain")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == target
    assert head["ETag"] == put["ETag"]
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == b"secret data"


def test_kms_object_is_rewrapped_under_another_key(s3, kms, bucket):
    first, second = key_arn(kms), key_arn(kms)
    s3.put_object(Bucket=bucket, Key="wrapped", Body=b"x" * 100, ServerSideEncryption="aws:kms", SSEKMSKeyId=first)
    s3.update_object_encryption(Bucket=bucket, Key="wrapped",
                                ObjectEncryption={"SSEKMS": {"KMSKeyArn": second, "BucketKeyEnabled": True}})
    head = s3.head_object(Bucket=bucket, Key="wrapped")
    assert head["SSEKMSKeyId"] == second and head["BucketKeyEnabled"] is True
    kms.disable_key(KeyId=first)  # the old key no longer opens the object's data key: the new one does
    assert s3.get_object(Bucket=bucket, Key="wrapped")["Body"].read() == b"x" * 100


def test_refusals(s3, kms, bucket):
    assert error_of(lambda: s3.update_object_encryption(
        Bucket=bucket, Key="missing", ObjectEncryption={"SSEKMS": {"KMSKeyArn": key_arn(kms)}})) == ("NoSuchKey", 404)
    s3.put_object(Bucket=bucket, Key="other", Body=b"x")
    missing = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000"
    assert error_of(lambda: s3.update_object_encryption(
        Bucket=bucket, Key="other", ObjectEncryption={"SSEKMS": {"KMSKeyArn": missing}}))[0] == "KMS.NotFoundException"
