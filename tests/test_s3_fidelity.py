"""S3's answers made exactly AWS's: empty pages, echoed members, status codes, refusals in S3's own error
family, region rules, conditional writes, multipart retries and checksums, denials worded as AWS words them."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
import requests
from awscrt import checksums as crt_checksums
from botocore.exceptions import ClientError

from tests.support import error_of, new_bucket, send_signed, unique


def test_empty_pages_and_echoed_members(s3):
    bucket = new_bucket(s3, "fid")
    for key in ("a b", "k0", "k1", "k2"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    for page in (s3.list_objects(Bucket=bucket, MaxKeys=0), s3.list_objects_v2(Bucket=bucket, MaxKeys=0)):
        assert page["IsTruncated"] is False and "Contents" not in page
    assert s3.list_object_versions(Bucket=bucket, EncodingType="url")["EncodingType"] == "url"
    # boto3 asks for url encoding itself, and decodes the keys only when S3 says it encoded them.
    assert "a b" in [v["Key"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]]
    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=1, StartAfter="a")
    assert first["StartAfter"] == "a"
    second = s3.list_objects_v2(Bucket=bucket, MaxKeys=1, StartAfter="a", ContinuationToken=first["NextContinuationToken"])
    assert "StartAfter" not in second and second["Contents"][0]["Key"] == "k0"


def test_forged_continuation_tokens_are_refused(s3):
    bucket = new_bucket(s3, "fid")
    for key in ("k0", "k1"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    token = s3.list_objects_v2(Bucket=bucket, MaxKeys=1)["NextContinuationToken"]
    forged = base64.urlsafe_b64encode(b"k0").decode()
    for bad in (forged, "!!!", token[:-4] + "AAAA"):
        error = error_of(s3.list_objects_v2, Bucket=bucket, ContinuationToken=bad)
        assert error == ("InvalidArgument", 400) and error.message == "The continuation token provided is incorrect"
    # A token is bound to the bucket that gave it.
    other = new_bucket(s3, "fid")
    assert error_of(s3.list_objects_v2, Bucket=other, ContinuationToken=token).code == "InvalidArgument"


def test_bucket_tagging_answers(s3):
    bucket = new_bucket(s3, "fid")
    put = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": []})
    assert error_of(s3.get_bucket_tagging, Bucket=bucket) == ("NoSuchTagSet", 404)
    error = error_of(s3.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": [{"Key": "aws:team", "Value": "v"}]})
    assert error == ("InvalidTag", 400) and error.message == "System tags cannot be added/updated by requester"
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    error = error_of(s3.put_object_tagging, Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "aws:x", "Value": "v"}]})
    assert error == ("InvalidTag", 400) and error.message == "Your TagKey cannot be prefixed with aws:"


def test_no_such_version_and_method_not_allowed(s3, endpoint):
    bucket = new_bucket(s3, "fid")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    missing = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    assert error_of(s3.get_object, Bucket=bucket, Key="k", VersionId=missing) == ("NoSuchVersion", 404)
    assert error_of(s3.get_object_tagging, Bucket=bucket, Key="k", VersionId=missing) == ("NoSuchVersion", 404)
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    assert raised.value.response["Error"]["Code"] == "MethodNotAllowed"
    assert raised.value.response["ResponseMetadata"]["HTTPHeaders"]["allow"] == "DELETE"
    # A method no operation of the resource takes.
    answer = send_signed(endpoint, "s3", b"", {}, method="PATCH", path=f"/{bucket}")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"] and "PUT" in answer.headers["Allow"]


def test_head_bucket_headers(s3):
    bucket = new_bucket(s3, "fid")
    headers = s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/xml" and headers["x-amz-bucket-region"] == "us-east-1"


def test_refusals(s3):
    bucket = new_bucket(s3, "fid")
    error = error_of(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={
        "CORSRules": [{"AllowedMethods": ["GET", "PATCH"], "AllowedOrigins": ["*"]}]})
    assert error == ("InvalidRequest", 400)
    assert error.message == "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"
    assert error_of(s3.put_bucket_lifecycle_configuration, Bucket=bucket, LifecycleConfiguration={
        "Rules": [{"ID": "r", "Status": "Enabled", "Expiration": {"Days": 1}}]}) == ("MalformedXML", 400)
    for arn in ("not-an-arn", "arn:aws:sqs:us-east-1:000000000000:q", "arn:aws:sns:us-east-1::"):
        error = error_of(s3.put_bucket_notification_configuration, Bucket=bucket, SkipDestinationValidation=True,
                         NotificationConfiguration={"TopicConfigurations": [
                             {"TopicArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        assert error == ("InvalidArgument", 400) and error.message == "The ARN is not well formed"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    for member, argument in (("MaxParts", "max-parts"), ("PartNumberMarker", "part-number-marker")):
        error = error_of(s3.list_parts, Bucket=bucket, Key="mp", UploadId=upload, **{member: -1})
        assert error == ("InvalidArgument", 400)
        assert error.message == f"Argument {argument} must be an integer between 0 and 2147483647"
    assert error_of(s3.list_multipart_uploads, Bucket=bucket, MaxUploads=-1) == ("InvalidArgument", 400)
    assert error_of(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"") == ("KeyTooLongError", 400)


def test_lifecycle_expiration_date(s3):
    bucket = new_bucket(s3, "fid")
    when = datetime(2030, 1, 1, tzinfo=UTC)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": when}}]})
    rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert rule["Expiration"]["Date"] == when


def test_errors_in_s3s_family(s3, client):
    bucket = new_bucket(s3, "fid")
    error = error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"", StorageClass="FAST")
    assert error == ("InvalidStorageClass", 400) and error.message == "The storage class you specified is not valid"
    error = error_of(s3.create_bucket, Bucket=unique("fid"), CreateBucketConfiguration={"LocationConstraint": "mars-1"})
    assert error == ("InvalidLocationConstraint", 400)
    error = error_of(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Sometimes"})
    assert error == ("MalformedXML", 400)
    assert error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"", ACL="everyone") == ("InvalidArgument", 400)


def test_create_bucket_elsewhere_from_us_east_1(s3, client):
    name = unique("fid")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "ap-southeast-2"
    eu = client("s3", region="eu-west-2")
    assert error_of(eu.create_bucket, Bucket=unique("fid"), CreateBucketConfiguration={
        "LocationConstraint": "ap-southeast-2"}) == ("IllegalLocationConstraintException", 400)


def test_conditional_writes(s3):
    bucket = new_bucket(s3, "fid")
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"two")
    assert error_of(s3.copy_object, Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"},
                    IfNoneMatch="*") == ("PreconditionFailed", 412)
    assert error_of(s3.copy_object, Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "src"},
                    IfMatch='"0123"') == ("PreconditionFailed", 412)
    s3.copy_object(Bucket=bucket, Key="new", CopySource={"Bucket": bucket, "Key": "src"}, IfNoneMatch="*")
    assert error_of(s3.delete_object, Bucket=bucket, Key="k", IfMatch='"0123"') == ("PreconditionFailed", 412)
    assert error_of(s3.delete_object, Bucket=bucket, Key="k", IfMatch=etag, IfMatchSize=99) \
        == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"
    s3.delete_object(Bucket=bucket, Key="k", IfMatch=etag, IfMatchSize=3)
    assert error_of(s3.delete_object, Bucket=bucket, Key="k", IfMatch=etag) == ("NoSuchKey", 404)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="new")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="new", UploadId=upload, PartNumber=1, Body=b"p")
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    assert error_of(s3.complete_multipart_upload, Bucket=bucket, Key="new", UploadId=upload, MultipartUpload=parts,
                    IfNoneMatch="*") == ("PreconditionFailed", 412)
    s3.complete_multipart_upload(Bucket=bucket, Key="new", UploadId=upload, MultipartUpload=parts,
                                 IfMatch=s3.head_object(Bucket=bucket, Key="new")["ETag"])
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"p"


def test_complete_retried_after_success(s3):
    bucket = new_bucket(s3, "fid")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"data")
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    first = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts)
    again = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload=parts)
    assert again["ETag"] == first["ETag"] and again["Key"] == "mp"
    # ...but the upload is over: no more parts, not listed, not abortable.
    assert error_of(s3.upload_part, Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=b"x") \
        == ("NoSuchUpload", 404)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    assert error_of(s3.abort_multipart_upload, Bucket=bucket, Key="mp", UploadId=upload) == ("NoSuchUpload", 404)


def test_list_parts_markers(s3):
    bucket = new_bucket(s3, "fid")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    for number in (1, 2, 3):
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number, Body=b"x")
    page = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload, MaxParts=2)
    assert page["IsTruncated"] and page["NextPartNumberMarker"] == 2
    rest = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload, PartNumberMarker=page["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and not rest["IsTruncated"]


def _crc64(data: bytes) -> str:
    return base64.b64encode(crt_checksums.crc64nvme(data).to_bytes(8, "big")).decode()


def test_crc64nvme_whole_and_multipart(s3):
    bucket = new_bucket(s3, "fid")
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"abc", ChecksumAlgorithm="CRC64NVME")
    assert put["ChecksumCRC64NVME"] == _crc64(b"abc") and put["ChecksumType"] == "FULL_OBJECT"
    assert s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")["ChecksumCRC64NVME"] == _crc64(b"abc")
    assert error_of(s3.put_object, Bucket=bucket, Key="c", Body=b"abc", ChecksumCRC64NVME=_crc64(b"abd")) \
        == ("BadDigest", 400)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC64NVME")["UploadId"]
    first, second = b"a" * (5 * 1024 * 1024), b"tail"
    parts = []
    for number, data in ((1, first), (2, second)):
        part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number, Body=data,
                              ChecksumAlgorithm="CRC64NVME")
        parts.append({"PartNumber": number, "ETag": part["ETag"], "ChecksumCRC64NVME": part["ChecksumCRC64NVME"]})
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC64NVME"] == _crc64(first + second)  # the full object's CRC, as S3 keeps it
    assert done["ChecksumType"] == "FULL_OBJECT"


def test_composite_multipart_checksum(s3):
    bucket = new_bucket(s3, "fid")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"x", ChecksumAlgorithm="SHA256")
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": part["ETag"], "ChecksumSHA256": part["ChecksumSHA256"]}]})
    assert done["ChecksumSHA256"].endswith("-1") and done["ChecksumType"] == "COMPOSITE"
    assert s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")["ChecksumType"] == "COMPOSITE"


def test_copy_object_to_a_new_storage_class(s3):
    bucket = new_bucket(s3, "fid")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"}, StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="k")["StorageClass"] == "STANDARD_IA"
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["StorageClass"] == "STANDARD_IA"


def test_same_account_denials_say_why(s3, endpoint):
    bucket = new_bucket(s3, "fid")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    error = error_of(s3.get_object, Bucket=bucket, Key="k")
    assert error == ("AccessDenied", 403)
    assert error.message.startswith("User: arn:aws:iam::") and " is not authorized to perform: s3:GetObject on " \
        f'resource: "arn:aws:s3:::{bucket}/k" with an explicit deny' in error.message
    # Anonymous callers learn nothing more than "Access Denied".
    anonymous = requests.get(f"{endpoint}/{bucket}/k", timeout=5)
    assert anonymous.status_code == 403 and b"<Message>Access Denied</Message>" in anonymous.content
