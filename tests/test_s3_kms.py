"""SSE-KMS: each object under its own data key from nimbus KMS (an envelope), through boto3 and s3transfer."""
from __future__ import annotations

import base64
import json
import os

import pytest
from boto3.s3.transfer import TransferConfig

from nimbus.core.events import API_CALL
from tests.support import error_of, unique


@pytest.fixture()
def fresh(s3):
    name = unique("kms")
    s3.create_bucket(Bucket=name)
    return name


def test_put_and_get_under_a_customer_key(s3, kms, fresh, server):
    key = kms.create_key()["KeyMetadata"]
    seen = []
    events = server.runtime.events
    listener = lambda event: seen.append(event) if event.service == "kms" else None  # noqa: E731
    events.subscribe(API_CALL, listener)
    body = os.urandom(3000)
    put = s3.put_object(Bucket=fresh, Key="secret.bin", Body=body, ServerSideEncryption="aws:kms",
                        SSEKMSKeyId=key["KeyId"], BucketKeyEnabled=True)
    assert put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"] == key["Arn"]
    assert put["BucketKeyEnabled"] is True
    got = s3.get_object(Bucket=fresh, Key="secret.bin")
    assert got["Body"].read() == body
    assert got["ServerSideEncryption"] == "aws:kms" and got["SSEKMSKeyId"] == key["Arn"]
    assert got["BucketKeyEnabled"] is True
    ranged = s3.get_object(Bucket=fresh, Key="secret.bin", Range="bytes=1000-1999")["Body"].read()
    assert ranged == body[1000:2000]
    head = s3.head_object(Bucket=fresh, Key="secret.bin")
    assert head["SSEKMSKeyId"] == key["Arn"]
    events.flush()
    events.unsubscribe(API_CALL, listener)
    # S3 asked KMS as s3.amazonaws.com, with the object's ARN as encryption context.
    generated = [e for e in seen if e.operation == "GenerateDataKey"]
    assert generated and generated[0].request_parameters["EncryptionContext"] == {
        "aws:s3:arn": f"arn:aws:s3:::{fresh}/secret.bin"}
    assert generated[0].principal["invoked_by"] == "s3.amazonaws.com"  # S3 on the caller's behalf
    assert generated[0].principal["arn"] == "arn:aws:iam::000000000000:root"
    assert any(e.operation == "Decrypt" for e in seen)


def test_bytes_on_disk_need_the_kms_data_key(s3, kms, fresh, server):
    key = kms.create_key()["KeyMetadata"]
    marker = b"plaintext-marker-" * 64
    s3.put_object(Bucket=fresh, Key="k", Body=marker, ServerSideEncryption="aws:kms", SSEKMSKeyId=key["Arn"])
    provider = server.runtime.services.get("s3").provider
    record = provider.store.get(("s3", "objects", fresh), "k")
    assert record["SSE"] == "aws:kms" and record["Kms"]["KeyId"] == key["Arn"]
    raw = b"".join(provider.blobs.read(record["Segments"]))  # with the SSE-S3 key: not the plaintext
    assert raw != marker and marker[:16] not in raw
    assert base64.b64decode(record["Kms"]["Blob"])  # only the wrapped data key is kept


def test_default_aws_managed_key_and_bucket_default(s3, kms, fresh):
    put = s3.put_object(Bucket=fresh, Key="a", Body=b"managed", ServerSideEncryption="aws:kms")
    alias = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert put["SSEKMSKeyId"] == alias["Arn"] and alias["KeyManager"] == "AWS"
    key = kms.create_key()["KeyMetadata"]
    s3.put_bucket_encryption(Bucket=fresh, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]},
        "BucketKeyEnabled": True}]})
    rule = s3.get_bucket_encryption(Bucket=fresh)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key["Arn"] and rule["BucketKeyEnabled"]
    put = s3.put_object(Bucket=fresh, Key="b", Body=b"by default")
    assert put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"] == key["Arn"]
    assert put["BucketKeyEnabled"] is True
    assert s3.get_object(Bucket=fresh, Key="b")["Body"].read() == b"by default"
    # An explicit AES256 still wins over the bucket default.
    assert s3.put_object(Bucket=fresh, Key="c", Body=b"x", ServerSideEncryption="AES256")[
        "ServerSideEncryption"] == "AES256"
    copy = s3.copy_object(Bucket=fresh, Key="b-copy", CopySource={"Bucket": fresh, "Key": "b"},
                          ServerSideEncryption="AES256")
    assert copy["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=fresh, Key="b-copy")["Body"].read() == b"by default"


def test_encryption_context_and_copy_between_keys(s3, kms, fresh):
    first, second = (kms.create_key()["KeyMetadata"] for _ in range(2))
    context = base64.b64encode(json.dumps({"team": "blue"}).encode()).decode()
    put = s3.put_object(Bucket=fresh, Key="src", Body=b"context", ServerSideEncryption="aws:kms",
                        SSEKMSKeyId=first["KeyId"], SSEKMSEncryptionContext=context)
    assert put["SSEKMSEncryptionContext"] == context
    copy = s3.copy_object(Bucket=fresh, Key="dst", CopySource={"Bucket": fresh, "Key": "src"},
                          ServerSideEncryption="aws:kms", SSEKMSKeyId=second["Arn"])
    assert copy["SSEKMSKeyId"] == second["Arn"]
    assert s3.get_object(Bucket=fresh, Key="dst")["Body"].read() == b"context"
    assert error_of(s3.put_object, Bucket=fresh, Key="x", Body=b"x", ServerSideEncryption="aws:kms",
                    SSEKMSEncryptionContext="not base64 json").code == "InvalidArgument"
    assert error_of(s3.put_object, Bucket=fresh, Key="x", Body=b"x", SSEKMSKeyId=first["Arn"]).code \
        == "InvalidArgument"


def test_missing_and_disabled_keys(s3, kms, fresh):
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=fresh, Key="k", Body=b"x", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId="11111111-2222-3333-4444-555555555555")
    assert error.value.response["Error"]["Code"] == "KMS.NotFoundException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_of(s3.head_object, Bucket=fresh, Key="k").code == "404"  # nothing was stored
    key = kms.create_key()["KeyMetadata"]
    s3.put_object(Bucket=fresh, Key="k", Body=b"locked", ServerSideEncryption="aws:kms", SSEKMSKeyId=key["KeyId"])
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=fresh, Key="k")
    assert error.value.response["Error"]["Code"] == "KMS.DisabledException"
    assert error_of(s3.put_object, Bucket=fresh, Key="k2", Body=b"x", ServerSideEncryption="aws:kms",
                    SSEKMSKeyId=key["KeyId"]).code == "KMS.DisabledException"
    # Metadata needs no key: HEAD still answers.
    assert s3.head_object(Bucket=fresh, Key="k")["ServerSideEncryption"] == "aws:kms"
    kms.enable_key(KeyId=key["KeyId"])
    assert s3.get_object(Bucket=fresh, Key="k")["Body"].read() == b"locked"


def test_multipart_upload_under_kms(s3, kms, fresh, tmp_path):
    key = kms.create_key()["KeyMetadata"]
    started = s3.create_multipart_upload(Bucket=fresh, Key="big", ServerSideEncryption="aws:kms",
                                         SSEKMSKeyId=key["KeyId"])
    assert started["ServerSideEncryption"] == "aws:kms" and started["SSEKMSKeyId"] == key["Arn"]
    parts_data = [os.urandom(5 * 1024 * 1024), os.urandom(1000)]
    parts = []
    for number, data in enumerate(parts_data, 1):
        part = s3.upload_part(Bucket=fresh, Key="big", UploadId=started["UploadId"], PartNumber=number, Body=data)
        assert part["SSEKMSKeyId"] == key["Arn"]
        parts.append({"PartNumber": number, "ETag": part["ETag"]})
    done = s3.complete_multipart_upload(Bucket=fresh, Key="big", UploadId=started["UploadId"],
                                        MultipartUpload={"Parts": parts})
    assert done["ServerSideEncryption"] == "aws:kms" and done["SSEKMSKeyId"] == key["Arn"]
    assert s3.get_object(Bucket=fresh, Key="big")["Body"].read() == b"".join(parts_data)
    # s3transfer (upload_file / download_file) with SSE-KMS arguments.
    source = tmp_path / "payload.bin"
    source.write_bytes(os.urandom(12 * 1024 * 1024))
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(str(source), fresh, "transfer.bin", Config=config,
                   ExtraArgs={"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key["Arn"]})
    assert s3.head_object(Bucket=fresh, Key="transfer.bin")["SSEKMSKeyId"] == key["Arn"]
    target = tmp_path / "back.bin"
    s3.download_file(fresh, "transfer.bin", str(target), Config=config)
    assert target.read_bytes() == source.read_bytes()


def test_anonymous_reads_of_kms_objects_need_sigv4(s3, kms, fresh, endpoint):
    import requests

    from tests.support import open_to_anyone
    s3.put_object(Bucket=fresh, Key="k", Body=b"x", ServerSideEncryption="aws:kms")
    open_to_anyone(s3, fresh)
    response = requests.get(f"{endpoint}/{fresh}/k", timeout=5)
    assert response.status_code == 400 and b"Signature Version 4" in response.content


def test_kms_objects_survive_a_restart_and_copy_into_parts(tmp_path):
    from tests.support import make_client, start_server
    name = unique("kms")
    with start_server(tmp_path) as first:
        s3, kms = make_client(first.endpoint, "s3"), make_client(first.endpoint, "kms")
        key = kms.create_key()["KeyMetadata"]
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        old = s3.put_object(Bucket=name, Key="k", Body=b"v1" * 4000, ServerSideEncryption="aws:kms",
                            SSEKMSKeyId=key["KeyId"])["VersionId"]
        s3.put_object(Bucket=name, Key="k", Body=b"v2", ServerSideEncryption="aws:kms")
    with start_server(tmp_path) as second:
        s3 = make_client(second.endpoint, "s3")
        assert s3.get_object(Bucket=name, Key="k", VersionId=old)["Body"].read() == b"v1" * 4000
        assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"v2"
        upload = s3.create_multipart_upload(Bucket=name, Key="copy", ServerSideEncryption="aws:kms",
                                            SSEKMSKeyId=key["Arn"])
        part = s3.upload_part_copy(Bucket=name, Key="copy", UploadId=upload["UploadId"], PartNumber=1,
                                   CopySource={"Bucket": name, "Key": "k", "VersionId": old},
                                   CopySourceRange="bytes=0-99")
        assert part["SSEKMSKeyId"] == key["Arn"]
        s3.complete_multipart_upload(Bucket=name, Key="copy", UploadId=upload["UploadId"], MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]})
        got = s3.get_object(Bucket=name, Key="copy")
        assert got["Body"].read() == (b"v1" * 4000)[:100] and got["SSEKMSKeyId"] == key["Arn"]


def test_aws_cli_copies_with_sse_kms(s3, kms, fresh, endpoint, tmp_path):
    from tests.test_s3_clients import _aws
    key = kms.create_key()["KeyMetadata"]
    local = tmp_path / "data.bin"
    local.write_bytes(os.urandom(9 * 1024 * 1024))  # over the CLI's 8 MiB threshold: a multipart upload
    done = _aws(endpoint, "s3", "cp", str(local), f"s3://{fresh}/cli.bin", "--sse", "aws:kms",
                "--sse-kms-key-id", key["Arn"])
    assert done.returncode == 0, done.stderr
    head = s3.head_object(Bucket=fresh, Key="cli.bin")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key["Arn"]
    back = tmp_path / "back.bin"
    done = _aws(endpoint, "s3", "cp", f"s3://{fresh}/cli.bin", str(back))
    assert done.returncode == 0 and back.read_bytes() == local.read_bytes(), done.stderr
