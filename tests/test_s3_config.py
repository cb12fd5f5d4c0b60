"""Bucket configuration: CORS (with real preflights), tagging, website hosting, notifications,
lifecycle expiration on the virtual clock, default encryption and SSE-KMS refusal."""
from __future__ import annotations

import json

import pytest
import requests

from tests.support import error_of, make_client, open_to_anyone, start_server, unique


@pytest.fixture
def bucket(s3):
    name = unique("bkt")
    s3.create_bucket(Bucket=name)
    return name


def test_cors_configuration_and_preflight(s3, bucket, endpoint):
    assert error_of(s3.get_bucket_cors, Bucket=bucket).code == "NoSuchCORSConfiguration"
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    assert requests.options(f"{endpoint}/{bucket}/k", headers=preflight, timeout=5).status_code == 403
    rules = [{"AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["GET", "PUT"],
              "AllowedHeaders": ["x-amz-*", "content-type"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300}]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"] == ["GET", "PUT"]
    ok = requests.options(f"{endpoint}/{bucket}/k", timeout=5, headers={
        **preflight, "Access-Control-Request-Headers": "Content-Type, X-Amz-Meta-A"})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "PUT" in ok.headers["Access-Control-Allow-Methods"] and ok.headers["Access-Control-Max-Age"] == "300"
    denied = requests.options(f"{endpoint}/{bucket}/k", timeout=5, headers={
        "Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"})
    assert denied.status_code == 403 and b"CORSResponse" in denied.content
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    open_to_anyone(s3, bucket)  # the GET below is unsigned, as a browser's is
    actual = requests.get(f"{endpoint}/{bucket}/k", headers={"Origin": "https://app.example.com"}, timeout=5)
    assert actual.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert actual.headers["Access-Control-Expose-Headers"] == "ETag"
    s3.delete_bucket_cors(Bucket=bucket)
    assert error_of(s3.get_bucket_cors, Bucket=bucket).code == "NoSuchCORSConfiguration"


def test_bucket_tagging(s3, bucket):
    assert error_of(s3.get_bucket_tagging, Bucket=bucket).code == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "core"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "core"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    assert error_of(s3.get_bucket_tagging, Bucket=bucket).code == "NoSuchTagSet"


def test_website_serves_index_and_error_documents(s3, endpoint):
    bucket = unique("bkt")
    s3.create_bucket(Bucket=bucket)
    port = endpoint.rsplit(":", 1)[1]
    host = {"Host": f"{bucket}.s3-website-us-east-1.localhost:{port}"}
    assert requests.get(f"{endpoint}/", headers=host, timeout=5).status_code == 404
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"<h1>docs</h1>", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="404.html", Body=b"<h1>missing</h1>", ContentType="text/html")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "404.html"}})
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == {"Suffix": "index.html"}
    assert requests.get(f"{endpoint}/", headers=host, timeout=5).status_code == 403  # visitors are anonymous
    open_to_anyone(s3, bucket)
    home = requests.get(f"{endpoint}/", headers=host, timeout=5)
    assert home.status_code == 200 and home.content == b"<h1>home</h1>"
    assert home.headers["content-type"] == "text/html"
    assert requests.get(f"{endpoint}/docs/", headers=host, timeout=5).content == b"<h1>docs</h1>"
    folder = requests.get(f"{endpoint}/docs", headers=host, timeout=5, allow_redirects=False)
    assert folder.status_code == 302 and folder.headers["location"] == "/docs/"
    # Visitors who may not list the bucket cannot tell a missing key from a private one: 403, error page.
    missing = requests.get(f"{endpoint}/nope.html", headers=host, timeout=5)
    assert missing.status_code == 403 and missing.content == b"<h1>missing</h1>"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}]}))
    missing = requests.get(f"{endpoint}/nope.html", headers=host, timeout=5)
    assert missing.status_code == 404 and missing.content == b"<h1>missing</h1>"
    s3.delete_bucket_website(Bucket=bucket)
    assert error_of(s3.get_bucket_website, Bucket=bucket).code == "NoSuchWebsiteConfiguration"


def test_notification_configuration_is_stored(s3, bucket):
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    config = {"QueueConfigurations": [{"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:q",
                                       "Events": ["s3:ObjectCreated:*"]}]}
    # the queue does not exist: S3 could not send it its test event (test_sqs_writers.py delivers for real)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config,
                                             SkipDestinationValidation=True)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["QueueConfigurations"][0]["QueueArn"] == config["QueueConfigurations"][0]["QueueArn"]


def test_default_encryption(s3, bucket):
    default = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert default["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    # SSE-KMS (through nimbus KMS) is tested in test_s3_kms.py; SSE-C is refused.
    assert error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"x", SSECustomerAlgorithm="AES256",
                    SSECustomerKey="k" * 32).code == "NotImplemented"
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256")[
        "ServerSideEncryption"] == "AES256"


def test_lifecycle_expiration_on_the_virtual_clock(tmp_path):
    with start_server(tmp_path) as own:
        s3 = make_client(own.endpoint, "s3")
        name = unique("bkt")
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="logs/old.txt", Body=b"x")
        s3.put_object(Bucket=name, Key="keep/forever.txt", Body=b"x")
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
            {"ID": "expire-logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 2}}]})
        assert s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"][0]["ID"] == "expire-logs"
        requests.post(f"{own.endpoint}/_nimbus/clock", json={"advance_seconds": 86400}, timeout=5)
        assert s3.head_object(Bucket=name, Key="logs/old.txt")["Expiration"].startswith("expiry-date=")
        requests.post(f"{own.endpoint}/_nimbus/clock", json={"advance_seconds": 2 * 86400}, timeout=5)
        assert error_of(s3.head_object, Bucket=name, Key="logs/old.txt").code == "404"
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
        assert keys == ["keep/forever.txt"]
