"""GetPart: a part of a multipart upload in progress, and of a completed one, whole or by range."""
from __future__ import annotations

import hashlib

from tests.support import error_of

PART = 5 * 1024 * 1024


def test_parts_in_progress_and_completed(s3, bucket):
    key = "parts.bin"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")["UploadId"]
    bodies = [b"a" * PART, b"b" * PART, b"tail"]
    parts = []
    for number, body in enumerate(bodies, 1):
        put = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=body,
                             ChecksumAlgorithm="SHA256")
        parts.append({"PartNumber": number, "ETag": put["ETag"], "ChecksumSHA256": put["ChecksumSHA256"]})
    second = s3.get_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=2, ChecksumMode="ENABLED")
    assert second["MultipartUploadStatus"] == "IN_PROGRESS" and second["Body"].read() == bodies[1]
    assert second["ETag"] == f'"{hashlib.md5(bodies[1]).hexdigest()}"'
    assert second["ChecksumSHA256"] == parts[1]["ChecksumSHA256"]
    assert error_of(lambda: s3.get_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=9))[1] == 416
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})
    third = s3.get_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=3)
    assert third["MultipartUploadStatus"] == "COMPLETED" and third["Body"].read() == b"tail"
    assert third["ETag"] == parts[2]["ETag"]
    ranged = s3.get_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=2, Range="bytes=0-3")
    assert ranged["Body"].read() == b"bbbb" and ranged["ContentRange"] == f"bytes 0-3/{PART}"
    assert error_of(lambda: s3.get_part(Bucket=bucket, Key=key, UploadId="nope", PartNumber=1)) \
        == ("NoSuchUpload", 404)
