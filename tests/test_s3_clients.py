"""S3 through real clients: s3transfer, the AWS CLI, presigned URLs over plain HTTP, aws-chunked uploads."""
from __future__ import annotations

import filecmp
import hashlib
import hmac
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.support import error_of, make_client, open_to_anyone, start_server, unique

AWS = str(Path(sys.executable).with_name("aws"))


@pytest.fixture
def own_server(tmp_path):
    """A server of its own, so moving its clock cannot disturb other tests."""
    with start_server(tmp_path) as running:
        yield running


def test_upload_file_and_download_file_50_mb(s3, bucket, tmp_path):
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(50 * 1024 * 1024))
    s3.upload_file(str(source), bucket, "big/50mb.bin")  # multipart through s3transfer
    head = s3.head_object(Bucket=bucket, Key="big/50mb.bin")
    assert head["ContentLength"] == 50 * 1024 * 1024 and head["ETag"].endswith('-7"')
    target = tmp_path / "back.bin"
    s3.download_file(bucket, "big/50mb.bin", str(target))  # ranged GETs in parallel
    assert filecmp.cmp(source, target, shallow=False)


def test_single_put_larger_than_the_in_memory_cap(s3, bucket, server):
    size = server.config.max_body_bytes + 1024 * 1024
    body = os.urandom(1024 * 1024) * (size // (1024 * 1024))
    s3.put_object(Bucket=bucket, Key="over-cap", Body=body)
    got = s3.get_object(Bucket=bucket, Key="over-cap")["Body"].read()
    assert hashlib.md5(got).digest() == hashlib.md5(body).digest()


def _aws(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run([AWS, "--endpoint-url", endpoint, *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_cp_and_sync_round_trip(endpoint, s3, bucket, tmp_path):
    local = tmp_path / "tree"
    (local / "sub" / "deeper").mkdir(parents=True)
    files = {"a.txt": b"alpha", "sub/b.bin": os.urandom(9 * 1024 * 1024), "sub/deeper/c.txt": b"gamma"}
    for name, data in files.items():
        (local / name).write_bytes(data)
    done = _aws(endpoint, "s3", "cp", str(local / "a.txt"), f"s3://{bucket}/cli/a.txt")
    assert done.returncode == 0, done.stderr
    done = _aws(endpoint, "s3", "cp", f"s3://{bucket}/cli/a.txt", str(tmp_path / "a-back.txt"))
    assert done.returncode == 0 and (tmp_path / "a-back.txt").read_bytes() == b"alpha", done.stderr
    done = _aws(endpoint, "s3", "sync", str(local), f"s3://{bucket}/synced")
    assert done.returncode == 0, done.stderr
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="synced/")["Contents"]}
    assert listed == {f"synced/{name}" for name in files}
    back = tmp_path / "back"
    done = _aws(endpoint, "s3", "sync", f"s3://{bucket}/synced", str(back))
    assert done.returncode == 0, done.stderr
    for name, data in files.items():
        assert (back / name).read_bytes() == data
    # A second sync finds nothing to do.
    again = _aws(endpoint, "s3", "sync", str(local), f"s3://{bucket}/synced")
    assert again.returncode == 0 and again.stdout.strip() == ""


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_presigned_get_and_put_over_plain_http(own_server, signature_version):
    # Its own server: SigV2 URLs carry no signing time, so clock jumps other tests made within the
    # last hour on the shared server would count as age.
    config = {"signature_version": signature_version} if signature_version else {}
    s3 = make_client(own_server.endpoint, "s3", **config)
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": name, "Key": "p r/é.txt"}, ExpiresIn=300)
    assert ("X-Amz-Signature" in put_url) == (signature_version == "s3v4")
    assert requests.put(put_url, data=b"presigned body", timeout=10).status_code == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "p r/é.txt"}, ExpiresIn=300)
    response = requests.get(get_url, timeout=10)
    assert response.status_code == 200 and response.content == b"presigned body"
    tampered = get_url.replace("Signature=", "Signature=A") if signature_version is None \
        else get_url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    response = requests.get(tampered, timeout=10)
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_presigned_urls_expire_on_the_virtual_clock(own_server, signature_version):
    config = {"signature_version": signature_version} if signature_version else {}
    s3 = make_client(own_server.endpoint, "s3", **config)
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"v")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "k"}, ExpiresIn=600)
    fresh = requests.get(url, timeout=10)
    assert fresh.status_code == 200, fresh.content
    requests.post(f"{own_server.endpoint}/_nimbus/clock", json={"advance_seconds": 601}, timeout=5)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403 and b"<Code>AccessDenied</Code>" in expired.content
    assert b"expired" in expired.content


def test_wrong_secret_is_signature_does_not_match(endpoint, bucket):
    wrong = make_client(endpoint, "s3", key="test", secret="not-the-secret")
    assert error_of(wrong.list_objects_v2, Bucket=bucket).code == "SignatureDoesNotMatch"
    assert error_of(wrong.put_object, Bucket=bucket, Key="x", Body=b"x").code == "SignatureDoesNotMatch"


def _signed_chunked_put(endpoint: str, bucket: str, key: str, chunks: list[bytes], tamper: bool = False):
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, signed as the Java SDK and the CLI v2 do."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    url = f"{endpoint}/{bucket}/{key}"
    decoded = sum(len(c) for c in chunks)
    request = AWSRequest(method="PUT", url=url, headers={
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(decoded), "x-amz-date": stamp})
    request.context["timestamp"] = stamp

    class StreamingSigner(S3SigV4Auth):
        def payload(self, request):
            return "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"

    StreamingSigner(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    seed = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    key_bytes = (b"AWS4test")
    for part in (stamp[:8], "us-east-1", "s3", "aws4_request"):
        key_bytes = hmac.new(key_bytes, part.encode(), hashlib.sha256).digest()
    scope = f"{stamp[:8]}/us-east-1/s3/aws4_request"
    previous, body = seed, b""
    for chunk in [*chunks, b""]:
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", stamp, scope, previous, hashlib.sha256(b"").hexdigest(),
                             hashlib.sha256(chunk).hexdigest()])
        signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
        if tamper and chunk:
            chunk = chunk[:-1] + b"!"
        body += f"{len(chunk):x};chunk-signature={signature}\r\n".encode() + chunk + b"\r\n"
        previous = signature
    headers = dict(request.headers)
    return requests.put(url, data=body, headers=headers, timeout=10)


def test_signed_aws_chunked_upload(endpoint, s3, bucket):
    chunks = [os.urandom(65536), os.urandom(65536), b"end"]
    response = _signed_chunked_put(endpoint, bucket, "chunked", chunks)
    assert response.status_code == 200, response.content
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == b"".join(chunks)
    bad = _signed_chunked_put(endpoint, bucket, "chunked-bad", chunks, tamper=True)
    assert bad.status_code == 403 and b"SignatureDoesNotMatch" in bad.content
    assert error_of(s3.head_object, Bucket=bucket, Key="chunked-bad").code == "404"


def test_unsigned_trailer_upload_with_checksum(endpoint, s3, bucket):
    """boto3 over https sends STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer; send it by hand."""
    import base64
    import zlib
    data = b"trailer data " * 1000
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    open_to_anyone(s3, bucket, ("s3:PutObject",), "/trailer-*")
    for checksum, status in ((crc, 200), ("AAAAAA==", 400)):
        body = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n" + f"x-amz-checksum-crc32:{checksum}\r\n\r\n".encode()
        headers = {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "content-encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32"}
        # Unsigned (anonymous) on purpose: the trailer handling is what is under test.
        response = requests.put(f"{endpoint}/{bucket}/trailer-{status}", data=body, headers=headers, timeout=10)
        assert response.status_code == status, response.content
    got = s3.get_object(Bucket=bucket, Key="trailer-200", ChecksumMode="ENABLED")
    assert got["Body"].read() == data and got["ChecksumCRC32"] == crc
    assert error_of(s3.head_object, Bucket=bucket, Key="trailer-400").code == "404"
