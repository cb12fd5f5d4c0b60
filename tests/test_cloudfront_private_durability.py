"""What CloudFront keeps for private content, functions and their stores survives a restart: a signed
URL still opens, a published function still runs at the edge and still reads its KeyValueStore."""
from __future__ import annotations

from datetime import timedelta

import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support import (
    KVS_REDIRECT,
    distribution_config,
    legacy_behaviour,
    make_client,
    on_loopback,
    open_to_anyone,
    s3_origin,
    start_server,
    virtual_now,
)


def set_up(endpoint: str) -> tuple[str, str, rsa.RSAPrivateKey]:
    """A distribution whose behaviour wants signed URLs and runs a KeyValueStore redirect: its id, and the
    id and private half of the key that signs for it."""
    cloudfront, s3 = make_client(endpoint, "cloudfront"), make_client(endpoint, "s3")
    s3.create_bucket(Bucket="private-origin")
    open_to_anyone(s3, "private-origin")  # signed URLs guard the edge; the edge reads the origin anonymously
    s3.put_object(Bucket="private-origin", Key="report.txt", Body=b"report")
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    key_id = cloudfront.create_public_key(PublicKeyConfig={"CallerReference": "k", "Name": "k",
                                                           "EncodedKey": pem})["PublicKey"]["Id"]
    group = cloudfront.create_key_group(KeyGroupConfig={"Name": "g", "Items": [key_id]})["KeyGroup"]["Id"]
    store = cloudfront.create_key_value_store(Name="redirects")["KeyValueStore"]["ARN"]
    kvs = on_loopback(make_client(endpoint, "cloudfront-keyvaluestore"))
    kvs.put_key(KvsARN=store, Key="/old", Value="/report.txt",
                IfMatch=kvs.describe_key_value_store(KvsARN=store)["ETag"])
    config = {"Comment": "", "Runtime": "cloudfront-js-2.0",
              "KeyValueStoreAssociations": {"Quantity": 1, "Items": [{"KeyValueStoreARN": store}]}}
    etag = cloudfront.create_function(Name="redirect", FunctionConfig=config, FunctionCode=KVS_REDIRECT)["ETag"]
    arn = cloudfront.publish_function(Name="redirect", IfMatch=etag)["FunctionSummary"]["FunctionMetadata"]["FunctionARN"]
    behaviour = legacy_behaviour("s3", TrustedKeyGroups={"Enabled": True, "Quantity": 1, "Items": [group]},
                                 FunctionAssociations={"Quantity": 1, "Items": [{"EventType": "viewer-request",
                                                                                 "FunctionARN": arn}]})
    distribution = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", "private-origin")], behaviour))["Distribution"]["Id"]
    return distribution, key_id, private_key


def test_private_content_and_functions_survive_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        distribution, key_id, private_key = set_up(first.endpoint)
    with start_server(tmp_path) as second:
        base = f"{second.endpoint}/_cloudfront/{distribution}"
        signer = CloudFrontSigner(key_id, lambda m: private_key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
        expires = virtual_now(second.endpoint) + timedelta(minutes=5)
        assert requests.get(signer.generate_presigned_url(f"{base}/report.txt", date_less_than=expires),
                            timeout=30).text == "report"
        moved = requests.get(signer.generate_presigned_url(f"{base}/old", date_less_than=expires),
                             allow_redirects=False, timeout=30)
        assert (moved.status_code, moved.headers["Location"]) == (301, "/report.txt")
        assert requests.get(f"{base}/report.txt", timeout=30).status_code == 403
