"""Multipart uploads: parts, copy parts, completion rules, abort, listings."""
from __future__ import annotations

import hashlib
import os

from tests.support import error_of

MIB = 1024 * 1024


def blobs(server) -> set[str]:
    found = set()
    for _, _, files in os.walk(os.path.join(server.config.data_dir, "s3", "blobs")):
        found.update(files)
    return found


def test_complete_gives_the_dash_n_etag(s3, bucket):
    part1, part2 = os.urandom(5 * MIB), b"tail"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"m": "1"})["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=part1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=part2)["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 5 * MIB), (2, 4)]
    assert upload in [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    expected = hashlib.md5(hashlib.md5(part1).digest() + hashlib.md5(part2).digest()).hexdigest() + "-2"
    assert done["ETag"] == f'"{expected}"'
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["Body"].read() == part1 + part2 and got["Metadata"] == {"m": "1"}
    # A range across the part boundary, and a single part by number.
    edge = s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={5 * MIB - 2}-{5 * MIB + 1}")["Body"].read()
    assert edge == part1[-2:] + part2[:2]
    second = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert second["Body"].read() == part2 and second["PartsCount"] == 2
    assert upload not in [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]


def test_completion_errors(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="bad")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="bad", UploadId=upload, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="bad", UploadId=upload, PartNumber=2, Body=b"small")["ETag"]
    complete = s3.complete_multipart_upload
    assert error_of(complete, Bucket=bucket, Key="bad", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]}).code == "InvalidPartOrder"
    assert error_of(complete, Bucket=bucket, Key="bad", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 3, "ETag": e2}]}).code == "InvalidPart"
    assert error_of(complete, Bucket=bucket, Key="bad", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]}).code == "InvalidPart"
    assert error_of(complete, Bucket=bucket, Key="bad", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]}).code == "EntityTooSmall"
    assert error_of(s3.upload_part, Bucket=bucket, Key="bad", UploadId=upload, PartNumber=10001,
                    Body=b"x").code == "InvalidArgument"
    # A single small part is fine: only parts before the last have a minimum.
    s3.complete_multipart_upload(Bucket=bucket, Key="bad", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
    assert s3.get_object(Bucket=bucket, Key="bad")["Body"].read() == b"small"


def test_abort_leaves_nothing_behind(s3, bucket, server):
    before = blobs(server)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="aborted")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="aborted", UploadId=upload, PartNumber=1, Body=b"x" * 1000)
    assert len(blobs(server) - before) == 1
    s3.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=upload)
    assert blobs(server) - before == set()
    assert error_of(s3.list_parts, Bucket=bucket, Key="aborted", UploadId=upload).code == "NoSuchUpload"
    assert error_of(s3.upload_part, Bucket=bucket, Key="aborted", UploadId=upload, PartNumber=1,
                    Body=b"x").code == "NoSuchUpload"
    assert error_of(s3.head_object, Bucket=bucket, Key="aborted").code == "404"


def test_upload_part_copy(s3, bucket):
    source = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="copy-src", Body=source)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="copy-dst")["UploadId"]
    p1 = s3.upload_part_copy(Bucket=bucket, Key="copy-dst", UploadId=upload, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "copy-src"},
                             CopySourceRange=f"bytes=0-{5 * MIB - 1}")["CopyPartResult"]["ETag"]
    p2 = s3.upload_part_copy(Bucket=bucket, Key="copy-dst", UploadId=upload, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "copy-src"},
                             CopySourceRange=f"bytes={5 * MIB}-{6 * MIB - 1}")["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="copy-dst", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]})
    assert s3.get_object(Bucket=bucket, Key="copy-dst")["Body"].read() == source
