"""S3 objects: put/get/head/delete/copy, ranges, conditions, metadata, checksums, odd keys."""
from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta

import requests

from nimbus.services.s3.storage import CHUNK
from tests.support import error_of, unique


def test_put_get_head_with_metadata_and_content_headers(s3, bucket):
    body = b"hello nimbus"
    put = s3.put_object(Bucket=bucket, Key="doc.txt", Body=body, ContentType="text/plain",
                        CacheControl="max-age=60", ContentDisposition="inline", ContentLanguage="en",
                        Metadata={"colour": "blue"}, StorageClass="STANDARD_IA")
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"' and put["ServerSideEncryption"] == "AES256"
    got = s3.get_object(Bucket=bucket, Key="doc.txt")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain" and got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "inline" and got["ContentLanguage"] == "en"
    assert got["Metadata"] == {"colour": "blue"} and got["StorageClass"] == "STANDARD_IA"
    head = s3.head_object(Bucket=bucket, Key="doc.txt")
    assert head["ContentLength"] == len(body) and head["ETag"] == put["ETag"]
    assert head["ServerSideEncryption"] == "AES256"


def test_missing_key_and_bucket(s3, bucket):
    assert error_of(s3.get_object, Bucket=bucket, Key="nope").code == "NoSuchKey"
    assert error_of(s3.head_object, Bucket=bucket, Key="nope").code == "404"
    assert error_of(s3.get_object, Bucket=unique("missing"), Key="k").code == "NoSuchBucket"
    s3.delete_object(Bucket=bucket, Key="nope")  # deleting a missing key succeeds, as in S3


def test_ranges(s3, bucket):
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    part = s3.get_object(Bucket=bucket, Key="digits", Range="bytes=2-5")
    assert part["Body"].read() == b"2345" and part["ContentRange"] == "bytes 2-5/10"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=-3")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=7-")["Body"].read() == b"789"
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=8-100")["Body"].read() == b"89"
    assert error_of(s3.get_object, Bucket=bucket, Key="digits", Range="bytes=10-12").code == "InvalidRange"


def test_conditional_requests(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="cond", Body=b"v1")["ETag"]
    # Relative to Last-Modified, which is virtual-clock time (other tests move the clock).
    modified = s3.head_object(Bucket=bucket, Key="cond")["LastModified"]
    past, future = modified - timedelta(days=1), modified + timedelta(days=1)
    assert s3.get_object(Bucket=bucket, Key="cond", IfMatch=etag)["Body"].read() == b"v1"
    assert error_of(s3.get_object, Bucket=bucket, Key="cond", IfMatch='"0000"').code == "PreconditionFailed"
    assert error_of(s3.get_object, Bucket=bucket, Key="cond", IfNoneMatch=etag).code == "304"
    assert error_of(s3.get_object, Bucket=bucket, Key="cond", IfModifiedSince=future).code == "304"
    assert error_of(s3.get_object, Bucket=bucket, Key="cond", IfUnmodifiedSince=past).code == "PreconditionFailed"
    # If-Match wins over a failing If-Unmodified-Since, as S3 documents.
    assert s3.get_object(Bucket=bucket, Key="cond", IfMatch=etag, IfUnmodifiedSince=past)["ETag"] == etag
    assert error_of(s3.head_object, Bucket=bucket, Key="cond", IfNoneMatch=etag).code == "304"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "cond"})  # signed, not anonymous
    bare = requests.get(url, headers={"If-None-Match": etag}, timeout=5)
    assert bare.status_code == 304 and bare.content == b"" and bare.headers["ETag"] == etag
    # Conditional write: create only.
    assert error_of(s3.put_object, Bucket=bucket, Key="cond", Body=b"v2", IfNoneMatch="*").code == "PreconditionFailed"


def test_content_md5_and_checksums(s3, bucket):
    body = b"checksummed"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="md5", Body=body, ContentMD5=good)
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_of(s3.put_object, Bucket=bucket, Key="md5-bad", Body=body, ContentMD5=wrong).code == "BadDigest"
    assert error_of(s3.put_object, Bucket=bucket, Key="md5-bad", Body=body, ContentMD5="notbase64!").code \
        == "InvalidDigest"
    assert error_of(s3.head_object, Bucket=bucket, Key="md5-bad").code == "404"  # nothing half-written
    # CRC32C needs botocore[crt] on the client side: send a value known from the standard's check vector.
    crc32c_check = base64.b64encode(bytes.fromhex("e3069283")).decode()  # CRC-32C of "123456789"
    s3.put_object(Bucket=bucket, Key="sum-CRC32C", Body=b"123456789", ChecksumCRC32C=crc32c_check)
    assert s3.head_object(Bucket=bucket, Key="sum-CRC32C", ChecksumMode="ENABLED")["ChecksumCRC32C"] == crc32c_check
    assert error_of(s3.put_object, Bucket=bucket, Key="bad-CRC32C", Body=b"12345678",
                    ChecksumCRC32C=crc32c_check).code == "BadDigest"
    for algorithm in ("CRC32", "SHA1", "SHA256"):
        put = s3.put_object(Bucket=bucket, Key=f"sum-{algorithm}", Body=body, ChecksumAlgorithm=algorithm)
        member = f"Checksum{algorithm}"
        got = s3.get_object(Bucket=bucket, Key=f"sum-{algorithm}", ChecksumMode="ENABLED")
        assert got[member] == put[member] and got["Body"].read() == body
    sha = base64.b64encode(hashlib.sha256(b"different").digest()).decode()
    assert error_of(s3.put_object, Bucket=bucket, Key="sha-bad", Body=body, ChecksumSHA256=sha).code == "BadDigest"


def test_odd_keys_stay_inside_the_data_dir(s3, bucket, server):
    keys = ["../../escape", "/absolute/path", "a/../../b", "ünï/cødé/☃", "with space & ?query", "dot/./x"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    data_dir = os.path.realpath(server.config.data_dir)
    for root, _, files in os.walk(os.path.dirname(data_dir)):
        for name in files:
            assert "escape" not in name and os.path.realpath(os.path.join(root, name)).startswith(
                os.path.dirname(data_dir))
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert set(keys) <= set(listed)


def test_bytes_are_encrypted_at_rest(s3, bucket, server):
    marker = b"plaintext-marker-" + os.urandom(8).hex().encode()
    s3.put_object(Bucket=bucket, Key="secret", Body=marker * 100)
    blobs = os.path.join(server.config.data_dir, "s3", "blobs")
    for root, _, files in os.walk(blobs):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                assert marker not in handle.read()
    key_file = os.path.join(server.config.data_dir, "s3", "sse-s3.key")
    assert os.stat(key_file).st_mode & 0o777 == 0o600


def test_delete_objects(s3, bucket):
    for key in ("m/1", "m/2", "m/3"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "m/1"}, {"Key": "m/2"}, {"Key": "m/x"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["m/1", "m/2", "m/x"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="m/")["Contents"]] == ["m/3"]


def test_copy_object_metadata_directive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", Metadata={"a": "1"}, ContentType="text/x-src")
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    copied = s3.get_object(Bucket=bucket, Key="dst")
    assert copied["Body"].read() == b"copy me" and copied["Metadata"] == {"a": "1"}
    assert copied["ContentType"] == "text/x-src"
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="text/plain")
    replaced = s3.head_object(Bucket=bucket, Key="dst2")
    assert replaced["Metadata"] == {"b": "2"} and replaced["ContentType"] == "text/plain"
    assert error_of(s3.copy_object, Bucket=bucket, Key="src", CopySource=f"{bucket}/src").code == "InvalidRequest"
    assert error_of(s3.copy_object, Bucket=bucket, Key="x", CopySource=f"{bucket}/missing").code == "NoSuchKey"


def test_object_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"x", Tagging="team=core&env=dev")
    tags = s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "core", "env": "dev"}
    assert s3.get_object(Bucket=bucket, Key="tagged")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == [{"Key": "k", "Value": "v"}]
    s3.delete_object_tagging(Bucket=bucket, Key="tagged")
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []


def test_oversize_single_put_is_entity_too_large(endpoint, bucket):
    import socket
    host, port = endpoint.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"PUT /{bucket}/huge HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Content-Length: {5 * 1024 ** 3 + 1024 ** 3}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):  # the head and the body may come apart (relayed by a front worker)
            answer += chunk
    assert b" 400 " in answer.split(b"\r\n", 1)[0] and b"<Code>EntityTooLarge</Code>" in answer


def test_failed_uploads_leave_no_blob(s3, bucket, server):
    def blobs():
        return sum(len(files) for _, _, files in os.walk(os.path.join(server.config.data_dir, "s3", "blobs")))
    before = blobs()
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_of(s3.put_object, Bucket=bucket, Key="failed", Body=os.urandom(100000), ContentMD5=wrong).code \
        == "BadDigest"
    assert blobs() == before
    assert os.listdir(os.path.join(server.config.data_dir, "s3", "tmp")) == []


def test_large_body_for_a_non_streaming_operation_is_413(endpoint, bucket, server):
    # PUT bodies are spooled to disk, but only streaming operations (uploads) may exceed the in-memory cap.
    body = b"<Tagging>" + b" " * (server.config.max_body_bytes + 1) + b"</Tagging>"
    response = requests.put(f"{endpoint}/{bucket}?tagging", data=body, timeout=60)
    assert response.status_code == 413 and b"RequestEntityTooLarge" in response.content


def test_bodies_around_one_chunk_read_whole_and_in_ranges(s3, bucket):
    """A body of at most one chunk is answered as bytes, a longer one streamed."""
    for size in (CHUNK - 1, CHUNK, CHUNK + 1):
        body = bytes(range(256)) * (size // 256) + b"t" * (size % 256)
        s3.put_object(Bucket=bucket, Key=f"sized-{size}", Body=body)
        assert s3.get_object(Bucket=bucket, Key=f"sized-{size}")["Body"].read() == body
        tail = s3.get_object(Bucket=bucket, Key=f"sized-{size}", Range=f"bytes={size - 20}-")["Body"].read()
        assert tail == body[-20:]
