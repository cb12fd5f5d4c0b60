"""Signed URLs and cookies with ECDSA P-256 public keys and with SHA-256 (``Hash-Algorithm``), which
CloudFront accepts beside RSA-SHA1: the key types CreatePublicKey takes, and the edge verifying each."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tests.support import (
    distribution_config,
    error_of,
    legacy_behaviour,
    public_origin_bucket,
    s3_origin,
    unique,
    virtual_now,
)


def pem(private_key) -> str:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def upload(cloudfront, private_key) -> str:
    return cloudfront.create_public_key(PublicKeyConfig={
        "CallerReference": unique("ref"), "Name": unique("key"), "EncodedKey": pem(private_key)})["PublicKey"]["Id"]


def url_safe(data: bytes) -> str:
    return base64.b64encode(data).decode().translate(str.maketrans("+=/", "-_~"))


EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ecdsa(algorithm: hashes.HashAlgorithm):
    return lambda message: EC_KEY.sign(message, ec.ECDSA(algorithm))


@pytest.fixture(scope="module")
def private(aws, endpoint):
    """(base URL, ECDSA key id, RSA key id) of a distribution whose /private/* trusts both keys."""
    cloudfront, s3 = aws("cloudfront"), aws("s3")
    bucket = public_origin_bucket(s3, "ecdsa")
    s3.put_object(Bucket=bucket, Key="private/report.txt", Body=b"report")
    ec_id, rsa_id = upload(cloudfront, EC_KEY), upload(cloudfront, RSA_KEY)
    group = cloudfront.create_key_group(KeyGroupConfig={"Name": unique("kg"), "Items": [ec_id, rsa_id]})
    trusted = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group["KeyGroup"]["Id"]]}}
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], legacy_behaviour("s3"),
        [{**legacy_behaviour("s3", **trusted), "PathPattern": "/private/*"}]))["Distribution"]
    return f"{endpoint}/_cloudfront/{distribution['Id']}", ec_id, rsa_id


def test_key_types_cloudfront_takes(aws):
    cloudfront = aws("cloudfront")
    for refused in (ec.generate_private_key(ec.SECP384R1()), rsa.generate_private_key(65537, 1024)):
        assert error_of(cloudfront.create_public_key, PublicKeyConfig={
            "CallerReference": unique("ref"), "Name": unique("key"), "EncodedKey": pem(refused)}) == (
            "InvalidArgument", 400)


def test_ecdsa_and_sha256_signed_urls(private, endpoint):
    base, ec_id, rsa_id = private
    url, expires = f"{base}/private/report.txt", virtual_now(endpoint) + timedelta(minutes=5)

    def fetch(key_id: str, sign, hash_algorithm: str | None = None) -> int:
        signed = CloudFrontSigner(key_id, sign).generate_presigned_url(url, date_less_than=expires)
        if hash_algorithm:
            signed += f"&Hash-Algorithm={hash_algorithm}"
        return requests.get(signed, timeout=30).status_code

    assert fetch(ec_id, ecdsa(hashes.SHA1())) == 200
    assert fetch(ec_id, ecdsa(hashes.SHA256()), "SHA256") == 200
    assert fetch(ec_id, ecdsa(hashes.SHA256())) == 403  # signed with SHA-256 but not said so
    assert fetch(ec_id, ecdsa(hashes.SHA1()), "SHA256") == 403
    assert fetch(ec_id, ecdsa(hashes.SHA256()), "MD5") == 403
    rsa_sha256 = lambda message: RSA_KEY.sign(message, padding.PKCS1v15(), hashes.SHA256())  # noqa: E731
    assert fetch(rsa_id, rsa_sha256, "SHA256") == 200
    assert fetch(rsa_id, ecdsa(hashes.SHA1())) == 403  # another key's signature


def test_ecdsa_signed_cookies(private, endpoint):
    base, ec_id, _ = private
    signer = CloudFrontSigner(ec_id, ecdsa(hashes.SHA256()))
    policy = signer.build_policy(f"{base}/private/*", virtual_now(endpoint) + timedelta(minutes=5)).encode()
    cookies = {"CloudFront-Policy": url_safe(policy), "CloudFront-Key-Pair-Id": ec_id,
               "CloudFront-Signature": url_safe(EC_KEY.sign(policy, ec.ECDSA(hashes.SHA256()))),
               "CloudFront-Hash-Algorithm": "SHA256"}
    assert requests.get(f"{base}/private/report.txt", cookies=cookies, timeout=30).text == "report"
    without = {k: v for k, v in cookies.items() if k != "CloudFront-Hash-Algorithm"}
    assert requests.get(f"{base}/private/report.txt", cookies=without, timeout=30).status_code == 403
