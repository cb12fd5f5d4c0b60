"""CloudFront KeyValueStore: the control plane (cloudfront), the data plane through boto3's
cloudfront-keyvaluestore client (signed with SigV4A by awscrt, verified by nimbus's gateway), ETags on
every change, and CloudFront Functions reading the store with cf.kvs() in TestFunction and at the edge."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import (
    KVS_REDIRECT,
    distribution_config,
    error_of,
    legacy_behaviour,
    make_client,
    on_loopback,
    public_origin_bucket,
    s3_origin,
    unique,
)


def kvs_client(endpoint: str, account: str, secret: str = "test"):
    return on_loopback(make_client(endpoint, "cloudfront-keyvaluestore", key=account, secret=secret))


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


@pytest.fixture(scope="module")
def kvs(endpoint, account):
    return kvs_client(endpoint, account)


def test_control_plane(cloudfront):
    name = unique("kvs")
    created = cloudfront.create_key_value_store(Name=name, Comment="redirects")
    store = created["KeyValueStore"]
    assert store["Status"] == "READY" and store["ARN"].endswith(f":key-value-store/{store['Id']}")
    assert error_of(cloudfront.create_key_value_store, Name=name) == ("EntityAlreadyExists", 409)
    described = cloudfront.describe_key_value_store(Name=name)
    assert described["ETag"] == created["ETag"] and described["KeyValueStore"]["Comment"] == "redirects"
    assert error_of(cloudfront.update_key_value_store, Name=name, Comment="x", IfMatch="EOLD") == ("PreconditionFailed", 412)
    updated = cloudfront.update_key_value_store(Name=name, Comment="moved", IfMatch=created["ETag"])
    assert updated["KeyValueStore"]["Comment"] == "moved"
    assert name in [s["Name"] for s in cloudfront.list_key_value_stores()["KeyValueStoreList"]["Items"]]
    cloudfront.delete_key_value_store(Name=name, IfMatch=updated["ETag"])
    assert error_of(cloudfront.describe_key_value_store, Name=name) == ("EntityNotFound", 404)


def test_data_plane_with_sigv4a(cloudfront, kvs, aws, endpoint):
    arn = cloudfront.create_key_value_store(Name=unique("kvs"))["KeyValueStore"]["ARN"]
    described = kvs.describe_key_value_store(KvsARN=arn)
    assert (described["ItemCount"], described["TotalSizeInBytes"], described["Status"]) == (0, 0, "READY")
    etag = kvs.put_key(KvsARN=arn, Key="/old", Value="/new", IfMatch=described["ETag"])["ETag"]
    assert error_of(kvs.put_key, KvsARN=arn, Key="/a", Value="b", IfMatch=described["ETag"]) == ("ConflictException", 409)
    got = kvs.get_key(KvsARN=arn, Key="/old")
    assert (got["Value"], got["ItemCount"], got["TotalSizeInBytes"]) == ("/new", 1, 8)
    changed = kvs.update_keys(KvsARN=arn, IfMatch=etag, Puts=[{"Key": f"k{i}", "Value": str(i)} for i in range(5)],
                              Deletes=[{"Key": "/old"}])
    assert changed["ItemCount"] == 5
    first = kvs.list_keys(KvsARN=arn, MaxResults=3)
    rest = kvs.list_keys(KvsARN=arn, MaxResults=3, NextToken=first["NextToken"])
    assert [i["Key"] for i in first["Items"] + rest["Items"]] == [f"k{i}" for i in range(5)]
    assert "NextToken" not in rest
    assert kvs.delete_key(KvsARN=arn, Key="k0", IfMatch=changed["ETag"])["ItemCount"] == 4
    assert error_of(kvs.get_key, KvsARN=arn, Key="k0") == ("ResourceNotFoundException", 404)
    assert error_of(kvs.put_key, KvsARN=arn, Key="big", Value="v" * 1025, IfMatch=etag) == ("ValidationException", 400)
    # An IAM user's key: its SigV4A signature verifies, and one made with another secret (so another
    # derived key pair) does not.
    iam = aws("iam")
    user = unique("kvs")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    assert kvs_client(endpoint, key["AccessKeyId"], key["SecretAccessKey"]).get_key(KvsARN=arn, Key="k1")["Value"] == "1"
    secret = key["SecretAccessKey"]
    # Another last character, always: a secret that already ends in "x" made the "forgery" the real key (1 in 64).
    forged = kvs_client(endpoint, key["AccessKeyId"], secret[:-1] + ("y" if secret.endswith("x") else "x"))
    assert error_of(forged.get_key, KvsARN=arn, Key="k1") == ("SignatureDoesNotMatch", 403)


def test_functions_read_the_store(cloudfront, kvs, aws, endpoint):
    store = cloudfront.create_key_value_store(Name=unique("kvs"))["KeyValueStore"]
    etag = kvs.describe_key_value_store(KvsARN=store["ARN"])["ETag"]
    kvs.put_key(KvsARN=store["ARN"], Key="/old", Value="/new", IfMatch=etag)
    name = unique("fn")
    config = {"Comment": "", "Runtime": "cloudfront-js-2.0",
              "KeyValueStoreAssociations": {"Quantity": 1, "Items": [{"KeyValueStoreARN": store["ARN"]}]}}
    fn_etag = cloudfront.create_function(Name=name, FunctionConfig=config, FunctionCode=KVS_REDIRECT)["ETag"]
    event = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.7"},
             "request": {"method": "GET", "uri": "/old", "querystring": {}, "headers": {}, "cookies": {}}}
    tested = cloudfront.test_function(Name=name, IfMatch=fn_etag, EventObject=json.dumps(event).encode())
    assert json.loads(tested["TestResult"]["FunctionOutput"])["response"]["headers"]["location"]["value"] == "/new"
    arn = cloudfront.publish_function(Name=name, IfMatch=fn_etag)["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]

    s3 = aws("s3")
    bucket = public_origin_bucket(s3, "kvs")
    s3.put_object(Bucket=bucket, Key="new", Body=b"new page")
    behaviour = {**legacy_behaviour("s3"), "FunctionAssociations": {
        "Quantity": 1, "Items": [{"EventType": "viewer-request", "FunctionARN": arn}]}}
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], behaviour))["Distribution"]
    base = f"{endpoint}/_cloudfront/{distribution['Id']}"
    moved = requests.get(f"{base}/old", allow_redirects=False, timeout=30)
    assert (moved.status_code, moved.headers["Location"]) == (301, "/new")
    assert requests.get(f"{base}/new", timeout=30).text == "new page"
    etag = kvs.describe_key_value_store(KvsARN=store["ARN"])["ETag"]
    kvs.delete_key(KvsARN=store["ARN"], Key="/old", IfMatch=etag)  # the edge reads the store as it is now
    # No redirect now: the origin is asked, and S3 answers a missing key 403 to a reader without s3:ListBucket
    assert requests.get(f"{base}/old", allow_redirects=False, timeout=30).status_code == 403

    described = cloudfront.describe_key_value_store(Name=store["Name"])
    assert error_of(cloudfront.delete_key_value_store, Name=store["Name"], IfMatch=described["ETag"]) \
        == ("CannotDeleteEntityWhileInUse", 409)
