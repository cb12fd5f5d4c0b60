"""GetObjectAttributes: ETag, checksum, parts with paging, storage class and size."""
from __future__ import annotations

import hashlib

from tests.support import error_of

ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def test_attributes_of_a_single_part_object(s3, bucket):
    body = b"attributes"
    s3.put_object(Bucket=bucket, Key="one.txt", Body=body, ChecksumAlgorithm="SHA256", StorageClass="STANDARD_IA")
    got = s3.get_object_attributes(Bucket=bucket, Key="one.txt", ObjectAttributes=ALL)
    assert got["ETag"] == hashlib.md5(body).hexdigest() and got["ObjectSize"] == len(body)
    assert got["StorageClass"] == "STANDARD_IA" and "ChecksumSHA256" in got["Checksum"]
    assert "ObjectParts" not in got
    only = s3.get_object_attributes(Bucket=bucket, Key="one.txt", ObjectAttributes=["ObjectSize"])
    assert "ETag" not in only and only["ObjectSize"] == len(body)


def test_parts_of_a_multipart_object_page(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="multi.bin", ChecksumAlgorithm="CRC32")["UploadId"]
    sizes = [5 * 1024 * 1024, 5 * 1024 * 1024, 7]
    parts = []
    for number, size in enumerate(sizes, 1):
        put = s3.upload_part(Bucket=bucket, Key="multi.bin", UploadId=upload, PartNumber=number,
                             Body=b"x" * size, ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": number, "ETag": put["ETag"], "ChecksumCRC32": put["ChecksumCRC32"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="multi.bin", UploadId=upload, MultipartUpload={"Parts": parts})
    first = s3.get_object_attributes(Bucket=bucket, Key="multi.bin", ObjectAttributes=["ObjectParts"], MaxParts=2)
    page = first["ObjectParts"]
    assert page["TotalPartsCount"] == 3 and page["IsTruncated"] is True and page["NextPartNumberMarker"] == 2
    assert [p["Size"] for p in page["Parts"]] == sizes[:2]
    assert page["Parts"][0]["ChecksumCRC32"] == parts[0]["ChecksumCRC32"]
    rest = s3.get_object_attributes(Bucket=bucket, Key="multi.bin", ObjectAttributes=["ObjectParts"], MaxParts=2,
                                    PartNumberMarker=2)["ObjectParts"]
    assert rest["IsTruncated"] is False and [p["PartNumber"] for p in rest["Parts"]] == [3]


def test_missing_objects_and_versions(s3, bucket):
    assert error_of(s3.get_object_attributes, Bucket=bucket, Key="nope",
                    ObjectAttributes=["ETag"]) == ("NoSuchKey", 404)
    s3.put_object(Bucket=bucket, Key="here", Body=b"h")
    assert error_of(s3.get_object_attributes, Bucket=bucket, Key="here", VersionId="null-but-not-there",
                    ObjectAttributes=["ETag"]) == ("NoSuchVersion", 404)
