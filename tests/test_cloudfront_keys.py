"""CloudFront public keys and key groups through boto3: PEM checks, ETags and If-Match, what may not change,
what is in use, and behaviours' TrustedKeyGroups (legacy TrustedSigners refused)."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.support import distribution_config, error_of, legacy_behaviour, new_bucket, s3_origin, unique


@pytest.fixture(scope="module")
def cloudfront(aws):
    return aws("cloudfront")


def pem(key) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def new_public_key(cloudfront, **extra) -> dict:
    config = {"CallerReference": unique("ref"), "Name": unique("key"),
              "EncodedKey": pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)), **extra}
    return cloudfront.create_public_key(PublicKeyConfig=config)


def test_public_key_lifecycle(cloudfront):
    created = new_public_key(cloudfront, Comment="first")
    key, etag = created["PublicKey"], created["ETag"]
    assert key["Id"].startswith("K") and len(key["Id"]) == 14
    assert created["Location"].endswith(f"/2020-05-31/public-key/{key['Id']}")
    config = cloudfront.get_public_key_config(Id=key["Id"])
    assert config["ETag"] == etag and config["PublicKeyConfig"]["Comment"] == "first"
    assert cloudfront.get_public_key(Id=key["Id"])["PublicKey"]["PublicKeyConfig"]["Name"] == key["PublicKeyConfig"]["Name"]

    changed = {**config["PublicKeyConfig"], "Comment": "second"}
    assert error_of(cloudfront.update_public_key, Id=key["Id"], PublicKeyConfig=changed, IfMatch="") \
        == ("InvalidIfMatchVersion", 400)
    assert error_of(cloudfront.update_public_key, Id=key["Id"], PublicKeyConfig=changed, IfMatch="EOLD") \
        == ("PreconditionFailed", 412)
    updated = cloudfront.update_public_key(Id=key["Id"], PublicKeyConfig=changed, IfMatch=etag)
    assert updated["ETag"] != etag and updated["PublicKey"]["PublicKeyConfig"]["Comment"] == "second"
    other_pem = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert error_of(cloudfront.update_public_key, Id=key["Id"], IfMatch=updated["ETag"],
                    PublicKeyConfig={**changed, "EncodedKey": other_pem}) == ("CannotChangeImmutablePublicKeyFields", 400)

    listed = cloudfront.list_public_keys()["PublicKeyList"]
    assert key["Id"] in [k["Id"] for k in listed["Items"]] and listed["Quantity"] == len(listed["Items"])
    cloudfront.delete_public_key(Id=key["Id"], IfMatch=updated["ETag"])
    assert error_of(cloudfront.get_public_key, Id=key["Id"]) == ("NoSuchPublicKey", 404)


def test_public_keys_cloudfront_refuses(cloudfront):
    def create(encoded: str, **extra):
        config = {"CallerReference": unique("ref"), "Name": unique("key"), "EncodedKey": encoded, **extra}
        return error_of(cloudfront.create_public_key, PublicKeyConfig=config)

    assert create("not a key") == ("InvalidArgument", 400)
    assert create(pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))) == ("InvalidArgument", 400)
    assert create(pem(ec.generate_private_key(ec.SECP384R1()))) == ("InvalidArgument", 400)
    taken = new_public_key(cloudfront)["PublicKey"]["PublicKeyConfig"]["Name"]
    assert create(pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)), Name=taken) \
        == ("PublicKeyAlreadyExists", 409)


def test_key_groups_and_trusting_behaviours(cloudfront, aws):
    first, second = (new_public_key(cloudfront)["PublicKey"]["Id"] for _ in range(2))
    assert error_of(cloudfront.create_key_group, KeyGroupConfig={"Name": unique("kg"), "Items": ["KNOSUCHKEY1234"]}) \
        == ("NoSuchPublicKey", 404)
    created = cloudfront.create_key_group(KeyGroupConfig={"Name": unique("kg"), "Items": [first]})
    group, etag = created["KeyGroup"], created["ETag"]
    assert error_of(cloudfront.create_key_group, KeyGroupConfig={"Name": group["KeyGroupConfig"]["Name"],
                                                                 "Items": [second]}) == ("KeyGroupAlreadyExists", 409)
    config = {**cloudfront.get_key_group_config(Id=group["Id"])["KeyGroupConfig"], "Items": [first, second]}
    assert error_of(cloudfront.update_key_group, Id=group["Id"], KeyGroupConfig=config, IfMatch="") \
        == ("InvalidIfMatchVersion", 400)
    etag = cloudfront.update_key_group(Id=group["Id"], KeyGroupConfig=config, IfMatch=etag)["ETag"]
    assert cloudfront.get_key_group(Id=group["Id"])["KeyGroup"]["KeyGroupConfig"]["Items"] == [first, second]
    assert group["Id"] in [g["KeyGroup"]["Id"] for g in cloudfront.list_key_groups()["KeyGroupList"]["Items"]]
    first_etag = cloudfront.get_public_key(Id=first)["ETag"]
    assert error_of(cloudfront.delete_public_key, Id=first, IfMatch=first_etag) == ("PublicKeyInUse", 409)

    bucket = new_bucket(aws("s3"), "private")
    def trusting(trusted: dict) -> dict:
        return distribution_config([s3_origin("s3", bucket)], legacy_behaviour("s3", **trusted))

    unknown = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": ["00000000-0000-0000-0000-000000000000"]}}
    assert error_of(cloudfront.create_distribution, DistributionConfig=trusting(unknown)) \
        == ("TrustedKeyGroupDoesNotExist", 400)
    signers = {"TrustedSigners": {"Enabled": True, "Quantity": 1, "Items": ["self"]}}
    assert error_of(cloudfront.create_distribution, DistributionConfig=trusting(signers)) \
        == ("TrustedSignerDoesNotExist", 400)
    trusted = {"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group["Id"]]}}
    distribution = cloudfront.create_distribution(DistributionConfig=trusting(trusted))["Distribution"]
    assert distribution["ActiveTrustedKeyGroups"] == {
        "Enabled": True, "Quantity": 1,
        "Items": [{"KeyGroupId": group["Id"], "KeyPairIds": {"Quantity": 2, "Items": [first, second]}}]}
    assert error_of(cloudfront.delete_key_group, Id=group["Id"], IfMatch=etag) == ("ResourceInUse", 409)

    got = cloudfront.get_distribution_config(Id=distribution["Id"])
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=got["ETag"], DistributionConfig={
        **got["DistributionConfig"], "DefaultCacheBehavior": legacy_behaviour("s3")})
    cloudfront.delete_key_group(Id=group["Id"], IfMatch=etag)
    assert error_of(cloudfront.get_key_group, Id=group["Id"]) == ("NoSuchResource", 404)
    cloudfront.delete_public_key(Id=first, IfMatch=first_etag)
