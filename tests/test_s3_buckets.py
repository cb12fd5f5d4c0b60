"""S3 buckets: naming rules, location constraints, duplicates, emptiness, listing."""
from __future__ import annotations

import pytest
import requests

from tests.s3_helpers import error_code, open_to_anyone, s3, unique  # noqa: F401 (fixtures)


@pytest.mark.parametrize("name", ["ab", "A-upper-case", "bad..dots", "-leading", "trailing-", "192.168.5.4",
                                  "xn--punycode", "under_score", "a" * 64, "foo-s3alias"])
def test_invalid_bucket_names(s3, name):
    assert error_code(s3.create_bucket, Bucket=name) == "InvalidBucketName"


def test_create_head_list_delete(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    assert s3.head_bucket(Bucket=name)["BucketRegion"] == "us-east-1"
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    s3.delete_bucket(Bucket=name)
    assert error_code(s3.head_bucket, Bucket=name) == "404"
    assert error_code(s3.delete_bucket, Bucket=name) == "NoSuchBucket"
    assert error_code(s3.list_objects_v2, Bucket=name) == "NoSuchBucket"


def test_location_constraint_and_duplicates(client, s3):
    eu = client("s3", region="eu-west-2")
    name = unique()
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-2"
    assert error_code(eu.create_bucket, Bucket=name,
                      CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}) == "BucketAlreadyOwnedByYou"
    other = client("s3", key="123456789012", secret="x")
    assert error_code(other.create_bucket, Bucket=name) == "BucketAlreadyExists"
    assert error_code(eu.create_bucket, Bucket=unique()) == "IllegalLocationConstraintException"
    assert error_code(s3.create_bucket, Bucket=unique(),
                      CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}) \
        == "IllegalLocationConstraintException"
    # Another account does not see it in its list.
    assert name not in [b["Name"] for b in other.list_buckets()["Buckets"]]


def test_bucket_not_empty(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    assert error_code(s3.delete_bucket, Bucket=name) == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)


def test_virtual_host_addressing(s3, endpoint):
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="dir/file.txt", Body=b"by host")
    port = endpoint.rsplit(":", 1)[1]
    get = lambda: requests.get(f"http://127.0.0.1:{port}/dir/file.txt",  # noqa: E731
                               headers={"Host": f"{name}.s3.localhost:{port}"}, timeout=5)
    assert get().status_code == 403  # unsigned: only a bucket policy or ACL can let anonymous callers in
    open_to_anyone(s3, name)
    response = get()
    assert response.status_code == 200 and response.content == b"by host"


def test_malformed_xml(s3, endpoint):
    name = unique()
    s3.create_bucket(Bucket=name)
    response = requests.put(f"{endpoint}/{name}?versioning", data=b"<VersioningConfiguration><Status>",
                            timeout=5)
    assert response.status_code == 400 and b"<Code>MalformedXML</Code>" in response.content
