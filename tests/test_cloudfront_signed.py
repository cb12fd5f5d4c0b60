"""Private content at the CloudFront edge: signed URLs (canned and custom policies) made by botocore's
CloudFrontSigner and by `aws cloudfront sign`, and signed cookies, checked against the behaviour's trusted
key groups on nimbus's virtual clock; CloudFront's 403 XML for what fails; signing parameters kept out of
the cache key."""
from __future__ import annotations

import base64
import os
import subprocess
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support import (
    AWS_CLI,
    advance_clock,
    distribution_config,
    legacy_behaviour,
    public_origin_bucket,
    s3_origin,
    unique,
    virtual_now,
)


@dataclass
class Private:
    """A distribution whose /private/* behaviour trusts one key group, and a signer for its key."""
    base: str  # http://127.0.0.1:<port>/_cloudfront/<id>
    key_id: str
    private_key: rsa.RSAPrivateKey
    signer: CloudFrontSigner


def new_signer(cloudfront) -> tuple[str, rsa.RSAPrivateKey, CloudFrontSigner]:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encoded = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    key_id = cloudfront.create_public_key(PublicKeyConfig={
        "CallerReference": unique("ref"), "Name": unique("key"), "EncodedKey": encoded})["PublicKey"]["Id"]
    signer = CloudFrontSigner(key_id, lambda message: private_key.sign(message, padding.PKCS1v15(), hashes.SHA1()))
    return key_id, private_key, signer


@pytest.fixture(scope="module")
def private(aws, endpoint):
    cloudfront, s3 = aws("cloudfront"), aws("s3")
    bucket = public_origin_bucket(s3, "private")
    for key in ("private/report.txt", "public.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    key_id, private_key, signer = new_signer(cloudfront)
    group = cloudfront.create_key_group(KeyGroupConfig={"Name": unique("kg"), "Items": [key_id]})["KeyGroup"]["Id"]
    trusted = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group]}}
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3"),
        [{**legacy_behaviour("s3", query_string=True, **trusted), "PathPattern": "/private/*"}]))["Distribution"]
    return Private(f"{endpoint}/_cloudfront/{distribution['Id']}", key_id, private_key, signer)


def refusal(response: requests.Response) -> tuple[int, str]:
    assert response.headers["Content-Type"] == "text/xml"
    assert response.headers["X-Cache"] == "Error from cloudfront"
    return response.status_code, response.text


def xml(code: str, message: str) -> tuple[int, str]:
    return 403, (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                 f'<Message>{message}</Message></Error>')


def url_safe(data: bytes) -> str:
    """CloudFront's URL-safe base64, as signers write signed cookies."""
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


ACCESS_DENIED = xml("AccessDenied", "Access denied")


def test_canned_policy_signed_url(private, endpoint):
    url = f"{private.base}/private/report.txt"
    assert refusal(requests.get(url, timeout=30)) == \
        xml("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    assert requests.get(f"{private.base}/public.txt", timeout=30).text == "public.txt"

    signed = private.signer.generate_presigned_url(url, date_less_than=virtual_now(endpoint) + timedelta(minutes=5))
    ok = requests.get(signed, timeout=30)
    assert (ok.status_code, ok.text) == (200, "private/report.txt")
    # Another signature for the same object is the same cache key: the signing parameters are not in it.
    again = private.signer.generate_presigned_url(url, date_less_than=virtual_now(endpoint) + timedelta(minutes=9))
    assert requests.get(again, timeout=30).headers["X-Cache"] == "Hit from cloudfront"

    tampered = signed.replace("report.txt", "other.txt")
    assert refusal(requests.get(tampered, timeout=30)) == ACCESS_DENIED
    longer = signed.replace("Expires=", "Expires=1")  # a later expiry than the one signed
    assert refusal(requests.get(longer, timeout=30)) == ACCESS_DENIED
    unknown = signed.replace(f"Key-Pair-Id={private.key_id}", "Key-Pair-Id=KUNKNOWNKEY123")
    assert refusal(requests.get(unknown, timeout=30)) == xml("InvalidKey", "Unknown Key")

    advance_clock(endpoint, 301)  # past Expires on the virtual clock
    assert refusal(requests.get(signed, timeout=30)) == ACCESS_DENIED


def test_custom_policy_dates_and_ip(private, endpoint):
    url = f"{private.base}/private/report.txt?v=1"
    now = virtual_now(endpoint)

    def fetch(**conditions) -> requests.Response:
        policy = private.signer.build_policy(f"{private.base}/private/*", now + timedelta(hours=1), **conditions)
        return requests.get(private.signer.generate_presigned_url(url, policy=policy), timeout=30)

    assert fetch().text == "private/report.txt"
    assert fetch(ip_address="127.0.0.0/8").status_code == 200
    assert refusal(fetch(ip_address="10.0.0.0/8")) == ACCESS_DENIED
    not_yet = private.signer.build_policy(url, now + timedelta(hours=1), date_greater_than=now + timedelta(minutes=10))
    later = private.signer.generate_presigned_url(url, policy=not_yet)
    assert refusal(requests.get(later, timeout=30)) == ACCESS_DENIED
    advance_clock(endpoint, 660)
    assert requests.get(later, timeout=30).status_code == 200
    elsewhere = private.signer.build_policy(f"{private.base}/public/*", now + timedelta(hours=1))
    outside = requests.get(private.signer.generate_presigned_url(url, policy=elsewhere), timeout=30)
    assert refusal(outside) == ACCESS_DENIED
    malformed = later.replace("Policy=", "Policy=x")
    assert refusal(requests.get(malformed, timeout=30)) == xml("MalformedPolicy", "Malformed Policy")


def test_signed_cookies(private, endpoint):
    url = f"{private.base}/private/report.txt"
    policy = private.signer.build_policy(f"{private.base}/private/*", virtual_now(endpoint) + timedelta(minutes=5))
    signature = private.private_key.sign(policy.encode(), padding.PKCS1v15(), hashes.SHA1())
    cookies = {"CloudFront-Policy": url_safe(policy.encode()),
               "CloudFront-Signature": url_safe(signature),
               "CloudFront-Key-Pair-Id": private.key_id}
    assert requests.get(url, cookies=cookies, timeout=30).text == "private/report.txt"
    forged = {**cookies, "CloudFront-Signature": url_safe(b"\0" * 256)}
    assert refusal(requests.get(url, cookies=forged, timeout=30)) == ACCESS_DENIED
    without_key = {k: v for k, v in cookies.items() if k != "CloudFront-Key-Pair-Id"}
    assert refusal(requests.get(url, cookies=without_key, timeout=30)) == \
        xml("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    advance_clock(endpoint, 301)
    assert refusal(requests.get(url, cookies=cookies, timeout=30)) == ACCESS_DENIED


def test_aws_cli_sign(private, endpoint, tmp_path):
    pem = tmp_path / "private.pem"
    pem.write_bytes(private.private_key.private_bytes(serialization.Encoding.PEM,
                                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                                      serialization.NoEncryption()))
    expires = str(int((virtual_now(endpoint) + timedelta(minutes=5)).timestamp()))

    def sign(*extra: str) -> str:
        out = subprocess.run([str(AWS_CLI), "cloudfront", "sign", "--url", f"{private.base}/private/report.txt",
                              "--key-pair-id", private.key_id, "--private-key", f"file://{pem}",
                              "--date-less-than", expires, *extra],
                             env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
                             capture_output=True, text=True, timeout=60, check=True)
        return out.stdout.strip()

    assert requests.get(sign(), timeout=30).text == "private/report.txt"
    assert requests.get(sign("--ip-address", "127.0.0.1/32"), timeout=30).text == "private/report.txt"
    assert refusal(requests.get(sign("--ip-address", "192.0.2.0/24"), timeout=30)) == ACCESS_DENIED
