"""aws-chunked bodies built by hand: every chunk's signature (a chain seeded by the request's), the trailer's
signature and the trailing checksum are checked for every operation, so an altered, swapped or unsigned chunk
never changes a bucket policy, and other services (which hash the body themselves) never take one."""
from __future__ import annotations

import base64
import json

import pytest

from tests.support import SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER, Chunked, error_of, unique


def policy(bucket: str, sid: str) -> bytes:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}).encode()


@pytest.fixture
def policy_request(endpoint, s3, bucket):
    """A PutBucketPolicy for Sid "Thief", sent in two chunks; the bucket's policy is Sid "Owner" until it runs."""
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, "Owner").decode())

    def build(kind: str = SIGNED) -> Chunked:
        document = policy(bucket, "Thief")
        return Chunked(endpoint, "s3", "PUT", f"/{bucket}?policy", [document[:40], document[40:]], kind)

    return build


def policy_sid(s3, bucket) -> str:
    return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Sid"]


@pytest.mark.parametrize("kind", [SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER])
def test_intact_chunked_bodies_are_taken(policy_request, s3, bucket, kind):
    request = policy_request(kind)
    assert request.send(request.body()).ok
    assert policy_sid(s3, bucket) == "Thief"


def tampered(request: Chunked) -> dict[str, bytes]:
    first, second = request.chunks
    chain = request.signatures()
    return {
        "altered": request.body([(first, chain[0]), (second.replace(b"Thief", b"Owned"), chain[1])]),
        "swapped": request.body([(second, chain[1]), (first, chain[0])]),
        "unsigned": request.body([(first, None), (second, None)]),
        "replayed": request.body([(first, chain[0]), (first, chain[0])]),
    }


@pytest.mark.parametrize("how", ["altered", "swapped", "unsigned", "replayed"])
@pytest.mark.parametrize("kind", [SIGNED, SIGNED_TRAILER])
def test_a_chunk_that_breaks_the_chain_changes_nothing(policy_request, s3, bucket, kind, how):
    request = policy_request(kind)
    response = request.send(tampered(request)[how])
    assert response.status_code in (400, 403), response.text
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text or "<Code>IncompleteBody</Code>" in response.text
    assert policy_sid(s3, bucket) == "Owner"


def test_the_trailer_signature_and_checksum_are_checked(policy_request, s3, bucket):
    signed_trailer = policy_request(SIGNED_TRAILER)
    wrong = base64.b64encode(b"\0\0\0\0").decode()
    # The chunks are intact but the checksum was changed after signing: the trailer's signature fails.
    response = signed_trailer.send(signed_trailer.body(checksum=wrong).replace(
        wrong.encode(), base64.b64encode(b"\0\0\0\1").decode().encode()))
    assert (response.status_code, "<Code>SignatureDoesNotMatch</Code>" in response.text) == (403, True)
    # Signed over a wrong checksum: the signatures hold, the data does not match it.
    response = signed_trailer.send(signed_trailer.body(checksum=wrong))
    assert (response.status_code, "<Code>BadDigest</Code>" in response.text) == (400, True)
    unsigned = policy_request(UNSIGNED_TRAILER)
    body = unsigned.body([(c.replace(b"Thief", b"Owned"), None) for c in unsigned.chunks])
    response = unsigned.send(body)
    assert (response.status_code, "<Code>BadDigest</Code>" in response.text) == (400, True)
    assert policy_sid(s3, bucket) == "Owner"


def test_other_services_take_no_chunked_body(endpoint, client):
    # They hash the body they receive, so a signature over a STREAMING-* payload hash cannot match,
    # however intact the chunks.
    name, other = unique("user"), unique("user")
    body = f"UserName={name}".encode()
    request = Chunked(endpoint, "iam", "POST", "/?Action=CreateUser&Version=2010-05-08", [body[:12], body[12:]],
                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    chain = request.signatures()
    for sent in (request.body(), request.body([(body[:12], chain[0]), (body[12:].replace(
            name[5:].encode(), other[5:].encode()), chain[1])])):
        response = request.send(sent)
        assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text
    for user in (name, other):
        assert error_of(client("iam").get_user, UserName=user).code == "NoSuchEntity"

    alias = "alias/" + unique("chunked")
    key_id = client("kms").create_key()["KeyMetadata"]["KeyId"]
    document = json.dumps({"AliasName": alias, "TargetKeyId": key_id}).encode()
    request = Chunked(endpoint, "kms", "POST", "/", [document[:10], document[10:]], headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.CreateAlias"})
    response = request.send(request.body())
    assert response.status_code == 403 and response.json()["__type"] == "SignatureDoesNotMatch"
    assert alias not in [a["AliasName"] for a in client("kms").list_aliases()["Aliases"]]
