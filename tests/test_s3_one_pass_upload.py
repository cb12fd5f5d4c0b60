"""An upload large enough to be spooled is hashed and encrypted once, as it arrives, under a blob key of its own;
the spool file is then linked into place and that key kept wrapped under the object's key (SSE-S3's or the SSE-KMS
data key): the bytes are written once, never copied. Smaller bodies keep the layout of before (encrypted under the
object's key directly), and both layouts read, after a kill -9 too."""
from __future__ import annotations

import base64
import hashlib
import os
import signal
import time
import zlib

import crc32c
import pytest
import requests
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap

from nimbus.core.ports import free_port
from tests.support import error_of, make_client, open_to_anyone, serve_subprocess, start_server, unique

LARGE = 9 * 1024 * 1024 + 12345  # past the gateway's 8 MiB spool threshold, not a whole number of batches


def _provider(server):
    return server.runtime.services.get("s3").provider


def _segments(server, bucket: str, key: str) -> list[dict]:
    return _provider(server).store.get(("s3", "objects", bucket), key)["Segments"]


def _blob_files(data_dir: str) -> list[str]:
    return [os.path.join(root, name) for root, _, files in os.walk(os.path.join(data_dir, "s3", "blobs"))
            for name in files]


def test_a_spooled_upload_is_kept_as_it_arrived_encrypted(s3, bucket, server):
    body = os.urandom(LARGE)
    made = s3.put_object(Bucket=bucket, Key="kept", Body=body, ChecksumAlgorithm="CRC32C")
    assert made["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert made["ChecksumCRC32C"] == base64.b64encode(crc32c.crc32c(body).to_bytes(4, "big")).decode()
    [segment] = _segments(server, bucket, "kept")
    assert segment["size"] == len(body) and "key" in segment  # its own blob key, kept wrapped
    with open(os.path.join(server.config.data_dir, "s3", "blobs", segment["id"][:2], segment["id"]), "rb") as blob:
        assert blob.read(4096) != body[:4096]  # at rest, encrypted
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == body
    ranged = s3.get_object(Bucket=bucket, Key="kept", Range="bytes=5000003-9000000")["Body"].read()
    assert ranged == body[5000003:9000001]


def test_a_small_upload_keeps_the_layout_of_before(s3, bucket, server):
    s3.put_object(Bucket=bucket, Key="small", Body=b"small body")
    [segment] = _segments(server, bucket, "small")
    assert "key" not in segment
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == b"small body"


def test_a_presigned_spooled_upload_needs_no_payload_hash(s3, bucket):
    body = os.urandom(LARGE)
    url = s3.generate_presigned_url("put_object", {"Bucket": bucket, "Key": "presigned"})
    response = requests.put(url, data=body, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="presigned")["Body"].read() == body


def test_an_sse_kms_spooled_upload_is_wrapped_under_its_data_key(s3, kms, server):
    fresh = unique("one-pass-kms")
    s3.create_bucket(Bucket=fresh)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    body = os.urandom(LARGE)
    s3.put_object(Bucket=fresh, Key="kms", Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
    segments = _segments(server, fresh, "kms")
    assert "key" in segments[0]
    with pytest.raises(InvalidUnwrap):  # the SSE-S3 key alone opens nothing: the KMS data key is needed
        next(_provider(server).blobs.read(segments))
    assert s3.get_object(Bucket=fresh, Key="kms")["Body"].read() == body
    # Re-wrapping the data key under another KMS key leaves the blob and its own key as they are.
    other = kms.create_key()["KeyMetadata"]["Arn"]
    s3.update_object_encryption(Bucket=fresh, Key="kms", ObjectEncryption={"SSEKMS": {"KMSKeyArn": other}})
    assert _segments(server, fresh, "kms") == segments
    assert s3.get_object(Bucket=fresh, Key="kms")["Body"].read() == body

    # The bucket's default SSE-KMS: the same single pass.
    s3.put_bucket_encryption(Bucket=fresh, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    made = s3.put_object(Bucket=fresh, Key="default", Body=body)
    assert made["ServerSideEncryption"] == "aws:kms" and "key" in _segments(server, fresh, "default")[0]
    assert s3.get_object(Bucket=fresh, Key="default")["Body"].read() == body


def test_an_sse_s3_spooled_object_moved_to_sse_kms_still_reads(s3, kms, bucket):
    body = os.urandom(LARGE)
    s3.put_object(Bucket=bucket, Key="moved", Body=body)
    target = kms.create_key()["KeyMetadata"]["Arn"]
    s3.update_object_encryption(Bucket=bucket, Key="moved", ObjectEncryption={"SSEKMS": {"KMSKeyArn": target}})
    got = s3.get_object(Bucket=bucket, Key="moved")
    assert got["ServerSideEncryption"] == "aws:kms" and got["Body"].read() == body


def test_a_spooled_upload_with_a_bad_digest_leaves_no_blob(s3, bucket, server):
    before = sorted(_blob_files(server.config.data_dir))
    body = os.urandom(LARGE)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_of(s3.put_object, Bucket=bucket, Key="bad", Body=body, ContentMD5=wrong).code == "BadDigest"
    crc = base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")).decode()
    assert error_of(s3.put_object, Bucket=bucket, Key="bad", Body=body, ChecksumCRC32=crc).code == "BadDigest"
    assert sorted(_blob_files(server.config.data_dir)) == before
    assert os.listdir(os.path.join(server.config.data_dir, "tmp")) == []  # spools have no name
    assert error_of(s3.head_object, Bucket=bucket, Key="bad").code == "404"


def test_a_spooled_part_is_kept_as_it_arrived(s3, bucket, server):
    first, last = os.urandom(LARGE), b"tail"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="parts")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="parts", UploadId=upload, PartNumber=number, Body=data)["ETag"]
             for number, data in ((1, first), (2, last))]
    assert etags[0] == f'"{hashlib.md5(first).hexdigest()}"'
    s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    assert ["key" in segment for segment in _segments(server, bucket, "parts")] == [True, False]
    assert s3.get_object(Bucket=bucket, Key="parts")["Body"].read() == first + last


def test_a_spooled_aws_chunked_upload_is_decoded_from_the_encrypted_spool(endpoint, s3, bucket):
    data = os.urandom(LARGE)
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    step = 65536
    framed = b"".join(f"{len(data[at:at + step]):x}\r\n".encode() + data[at:at + step] + b"\r\n"
                      for at in range(0, len(data), step))
    framed += b"0\r\n" + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    open_to_anyone(s3, bucket, ("s3:PutObject",), "/chunked-*")
    headers = {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "content-encoding": "aws-chunked",
               "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32"}
    response = requests.put(f"{endpoint}/{bucket}/chunked-large", data=framed, headers=headers, timeout=60)
    assert response.status_code == 200, response.content
    got = s3.get_object(Bucket=bucket, Key="chunked-large", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc and got["Body"].read() == data


def test_both_layouts_survive_kill_9(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "data")
    large, small = os.urandom(LARGE), os.urandom(1000)
    process = serve_subprocess(data_dir, port)
    try:
        s3 = make_client(endpoint, "s3")
        s3.create_bucket(Bucket="layouts")
        s3.put_object(Bucket="layouts", Key="large", Body=large)
        s3.put_object(Bucket="layouts", Key="small", Body=small)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert len(_blob_files(data_dir)) == 2
    process = serve_subprocess(data_dir, port)
    try:
        s3 = make_client(endpoint, "s3")
        assert s3.get_object(Bucket="layouts", Key="large")["Body"].read() == large
        assert s3.get_object(Bucket="layouts", Key="small")["Body"].read() == small
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_versions_of_spooled_uploads_each_keep_their_bytes(s3):
    versioned = unique("one-pass-versions")
    s3.create_bucket(Bucket=versioned)
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    bodies = [os.urandom(LARGE), os.urandom(LARGE)]
    versions = [s3.put_object(Bucket=versioned, Key="v", Body=body)["VersionId"] for body in bodies]
    for version, body in zip(versions, bodies, strict=True):
        assert s3.get_object(Bucket=versioned, Key="v", VersionId=version)["Body"].read() == body


def _parked(data_dir: str) -> list[str]:
    return [name for name in os.listdir(os.path.join(data_dir, "s3", "tmp")) if name.startswith("deleted-")]


def test_a_large_blob_overwritten_leaves_at_once_and_is_unlinked_behind(tmp_path):
    # Unlinking 64 MiB takes the file system tens of milliseconds: it happens after the answer, from tmp/, and a
    # server killed before it sweeps tmp/ when its S3 starts again.
    with start_server(tmp_path) as own:
        s3 = make_client(own.endpoint, "s3")
        s3.create_bucket(Bucket="overwritten")
        s3.put_object(Bucket="overwritten", Key="k", Body=os.urandom(LARGE))
        s3.put_object(Bucket="overwritten", Key="k", Body=b"small now")
        assert len(_blob_files(own.config.data_dir)) == 1  # the large blob left blobs/ before the answer
        deadline = time.monotonic() + 30
        while _parked(own.config.data_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _parked(own.config.data_dir) == []
        with open(os.path.join(own.config.data_dir, "s3", "tmp", "deleted-" + "0" * 32), "wb") as left:
            left.write(b"as a kill -9 leaves a parked blob")
    with start_server(tmp_path) as again:  # S3 starts (and sweeps) with its first call
        assert make_client(again.endpoint, "s3").get_object(Bucket="overwritten", Key="k")["Body"].read() == b"small now"
        assert _parked(again.config.data_dir) == []
