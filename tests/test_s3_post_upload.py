"""Browser uploads: boto3's generate_presigned_post, the policy's conditions and S3's answers."""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import requests

from tests.support import advance_clock, unique


def _post(post: dict, body: bytes, **extra_fields) -> requests.Response:
    fields = {**post["fields"], **extra_fields}
    return requests.post(post["url"], data=fields, files={"file": ("photo.png", body)}, allow_redirects=False,
                         timeout=30)


def _error(response: requests.Response) -> tuple[str, str]:
    root = ET.fromstring(response.content)
    return root.findtext("Code"), root.findtext("Message")


def test_sigv4_post_with_conditions_stores_the_object(client, s3, bucket):
    post = client("s3", signature_version="s3v4").generate_presigned_post(
        bucket, "uploads/${filename}", Fields={"Content-Type": "image/png", "x-amz-meta-owner": "ana"},
        Conditions=[["starts-with", "$key", "uploads/"], ["content-length-range", 1, 100],
                    {"Content-Type": "image/png"}, ["eq", "$x-amz-meta-owner", "ana"]])
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    response = _post(post, b"pixels")
    assert response.status_code == 204, response.text
    got = s3.get_object(Bucket=bucket, Key="uploads/photo.png")
    assert got["Body"].read() == b"pixels" and got["ContentType"] == "image/png"
    assert got["Metadata"] == {"owner": "ana"} and response.headers["ETag"] == got["ETag"]


def test_sigv2_post_and_success_action_status_201(client, s3, bucket):
    s3v2 = client("s3", signature_version="s3")
    post = s3v2.generate_presigned_post(bucket, "v2.txt", Fields={"success_action_status": "201"},
                                        Conditions=[{"success_action_status": "201"}])
    assert "signature" in post["fields"]
    response = _post(post, b"two")
    assert response.status_code == 201, response.text
    root = ET.fromstring(response.content)
    assert root.findtext("Key") == "v2.txt" and root.findtext("Bucket") == bucket
    assert s3.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == b"two"


def test_success_action_redirect_answers_303_with_the_object(s3, bucket):
    post = s3.generate_presigned_post(bucket, "r.txt", Fields={"success_action_redirect": "http://example.com/ok"},
                                      Conditions=[{"success_action_redirect": "http://example.com/ok"}])
    response = _post(post, b"r")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"http://example.com/ok?bucket={bucket}&key=r.txt&etag=")


def test_violated_conditions_get_s3s_errors(s3, bucket):
    post = s3.generate_presigned_post(bucket, "small.txt", Conditions=[["content-length-range", 2, 4]])
    big = _post(post, b"too large")
    assert big.status_code == 400 and _error(big)[0] == "EntityTooLarge"
    small = _post(post, b"x")
    assert small.status_code == 400 and _error(small)[0] == "EntityTooSmall"
    extra = _post(post, b"ok", **{"x-amz-meta-sneaky": "1"})
    assert extra.status_code == 403
    assert _error(extra) == ("AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky")
    fixed = s3.generate_presigned_post(bucket, "fixed.txt")
    moved = _post(fixed, b"ok", key="elsewhere.txt")
    assert moved.status_code == 403
    assert _error(moved) == ("AccessDenied", 'Invalid according to Policy: Policy Condition failed: '
                                             '["eq", "$key", "fixed.txt"]')


def test_a_tampered_policy_or_an_expired_one_is_refused(endpoint, client, bucket):
    s3v4 = client("s3", signature_version="s3v4")
    post = s3v4.generate_presigned_post(bucket, "t.txt", ExpiresIn=60)
    assert "x-amz-signature" in post["fields"]
    forged = _post(post, b"x", key="t.txt", policy=post["fields"]["policy"][:-4] + "AAAA")
    assert forged.status_code == 403 and _error(forged)[0] == "SignatureDoesNotMatch"
    # x-amz-date has whole seconds: jump in a later second than the signing, so the jump surely followed it.
    time.sleep(1.01 - time.time() % 1)
    advance_clock(endpoint, 120)
    expired = _post(post, b"x")
    assert expired.status_code == 403
    assert _error(expired) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_an_unsigned_form_is_anonymous_and_the_bucket_policy_decides(s3):
    name = unique("postanon")
    s3.create_bucket(Bucket=name)
    url = s3.meta.endpoint_url + "/" + name
    denied = requests.post(url, data={"key": "a.txt"}, files={"file": ("a", b"a")}, timeout=30)
    assert denied.status_code == 403 and _error(denied)[0] == "AccessDenied"
    missing_file = requests.post(url, data={"key": "a.txt"}, files={"other": ("a", b"a")}, timeout=30)
    assert missing_file.status_code == 400 and _error(missing_file)[0] == "InvalidArgument"
