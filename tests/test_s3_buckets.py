"""S3 buckets: naming rules, location constraints, duplicates, emptiness, listing."""
from __future__ import annotations

import pytest
import requests

from tests.support import error_of, open_to_anyone, unique


@pytest.mark.parametrize("name", ["ab", "A-upper-case", "bad..dots", "-leading", "trailing-", "192.168.5.4",
                                  "xn--punycode", "under_score", "a" * 64, "foo-s3alias"])
def test_invalid_bucket_names(s3, name):
    assert error_of(s3.create_bucket, Bucket=name).code == "InvalidBucketName"


def test_create_head_list_delete(s3):
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    assert s3.head_bucket(Bucket=name)["BucketRegion"] == "us-east-1"
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    s3.delete_bucket(Bucket=name)
    assert error_of(s3.head_bucket, Bucket=name).code == "404"
    assert error_of(s3.delete_bucket, Bucket=name).code == "NoSuchBucket"
    assert error_of(s3.list_objects_v2, Bucket=name).code == "NoSuchBucket"


def test_location_constraint_and_duplicates(client, s3):
    eu = client("s3", region="eu-west-2")
    name = unique("bkt")
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-2"
    assert error_of(eu.create_bucket, Bucket=name,
                    CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}).code == "BucketAlreadyOwnedByYou"
    other = client("s3", key="123456789012", secret="x")
    assert error_of(other.create_bucket, Bucket=name).code == "BucketAlreadyExists"
    assert error_of(eu.create_bucket, Bucket=unique("bkt")).code == "IllegalLocationConstraintException"
    assert error_of(eu.create_bucket, Bucket=unique("bkt"),
                    CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}).code \
        == "IllegalLocationConstraintException"
    # us-east-1's endpoint creates a bucket in the region its constraint names, as AWS's global endpoint does.
    elsewhere = unique("bkt")
    s3.create_bucket(Bucket=elsewhere, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    assert s3.get_bucket_location(Bucket=elsewhere)["LocationConstraint"] == "eu-west-2"
    assert s3.head_bucket(Bucket=elsewhere)["BucketRegion"] == "eu-west-2"
    # Another account does not see it in its list.
    assert name not in [b["Name"] for b in other.list_buckets()["Buckets"]]


def test_bucket_not_empty(s3):
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    assert error_of(s3.delete_bucket, Bucket=name).code == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)


def test_virtual_host_addressing(s3, endpoint):
    name = unique("bkt")
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
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    response = requests.put(f"{endpoint}/{name}?versioning", data=b"<VersioningConfiguration><Status>",
                            timeout=5)
    assert response.status_code == 400 and b"<Code>MalformedXML</Code>" in response.content
