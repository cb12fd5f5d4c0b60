"""Documents kept decoded in memory (nimbus/store/decoded_cache.py): S3's buckets, their accounts' Block Public
Access and objects' latest versions, KMS keys. Each change is read at once by the next call, after many reads
of the document as it was."""
from __future__ import annotations

import json

import requests

from nimbus.services.kms import ciphertext
from tests.support import error_of, make_client, on_loopback, start_server, unique
from tests.support.storage import new_bucket

READS = 5  # enough for the document to be kept before it changes


def _read(s3, bucket: str, key: str) -> bytes:
    for _ in range(READS - 1):
        s3.get_object(Bucket=bucket, Key=key)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_an_object_overwritten_deleted_and_written_again_reads_as_it_is_now(s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc", Body=b"first")
    assert _read(s3, bucket, "doc") == b"first"
    s3.put_object(Bucket=bucket, Key="doc", Body=b"second")
    assert _read(s3, bucket, "doc") == b"second"
    s3.delete_object(Bucket=bucket, Key="doc")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="doc")).code == "NoSuchKey"
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="doc")).code == "NoSuchKey"
    s3.put_object(Bucket=bucket, Key="doc", Body=b"third")
    assert _read(s3, bucket, "doc") == b"third"


def test_a_bucket_policy_and_its_removal_apply_to_the_next_read(s3):
    name = new_bucket(s3, "cached-policy")
    s3.put_object(Bucket=name, Key="doc", Body=b"readable")
    assert _read(s3, name, "doc") == b"readable"
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}))
    assert error_of(lambda: s3.get_object(Bucket=name, Key="doc")).code == "AccessDenied"
    s3.delete_bucket_policy(Bucket=name)
    assert _read(s3, name, "doc") == b"readable"


def test_a_deleted_bucket_is_gone_for_the_next_read(s3):
    name = new_bucket(s3, "cached-gone")
    s3.put_object(Bucket=name, Key="doc", Body=b"x")
    _read(s3, name, "doc")
    s3.delete_object(Bucket=name, Key="doc")
    s3.delete_bucket(Bucket=name)
    assert error_of(lambda: s3.get_object(Bucket=name, Key="doc")).code == "NoSuchBucket"


def test_the_accounts_block_public_access_applies_to_the_next_anonymous_read(client, aws):
    s3, control = aws("s3"), on_loopback(aws("s3control"))
    account = aws("sts").get_caller_identity()["Account"]
    name = unique("cached-public")
    s3.create_bucket(Bucket=name)
    s3.delete_public_access_block(Bucket=name)
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}))
    s3.put_object(Bucket=name, Key="doc", Body=b"public")
    url = f"{s3.meta.endpoint_url}/{name}/doc"
    for _ in range(READS):
        assert requests.get(url, timeout=30).content == b"public"
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    try:
        assert requests.get(url, timeout=30).status_code == 403
    finally:
        control.delete_public_access_block(AccountId=account)
    assert requests.get(url, timeout=30).content == b"public"


def _encrypts(kms, key: str) -> None:
    for _ in range(READS):
        kms.encrypt(KeyId=key, Plaintext=b"x")


def test_a_key_disabled_scheduled_for_deletion_and_back_is_seen_by_the_next_encrypt(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    _encrypts(kms, key)
    kms.disable_key(KeyId=key)
    assert error_of(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")).code == "DisabledException"
    kms.enable_key(KeyId=key)
    _encrypts(kms, key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert error_of(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")).code == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key)
    kms.enable_key(KeyId=key)
    _encrypts(kms, key)


def test_a_key_policy_applies_to_the_next_encrypt(aws, kms):
    owner = aws("kms")
    account = aws("sts").get_caller_identity()["Account"]
    foreign = kms  # the default account's: another account than the key's
    key = owner.create_key()["KeyMetadata"]["Arn"]
    _encrypts(owner, key)
    assert error_of(lambda: foreign.encrypt(KeyId=key, Plaintext=b"x")).code == "AccessDeniedException"
    default = owner.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    owner.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "kms:Encrypt",
         "Resource": "*"}]}))
    _encrypts(foreign, key)
    owner.put_key_policy(KeyId=key, PolicyName="default", Policy=default)
    assert error_of(lambda: foreign.encrypt(KeyId=key, Plaintext=b"x")).code == "AccessDeniedException"


def test_a_rotated_key_encrypts_under_its_new_material_at_once(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    before = {ciphertext.parse(kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]).material_id
              for _ in range(READS)}
    kms.rotate_key_on_demand(KeyId=key)
    after = ciphertext.parse(kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]).material_id
    assert len(before) == 1 and after not in before


def test_a_reset_forgets_what_was_kept(tmp_path):
    with start_server(tmp_path) as own:
        s3, kms = make_client(own.endpoint, "s3"), make_client(own.endpoint, "kms")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="doc", Body=b"x")
        _read(s3, "kept", "doc")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        _encrypts(kms, key)
        requests.post(f"{own.endpoint}/_nimbus/reset", json={}, timeout=60).raise_for_status()
        assert error_of(lambda: s3.get_object(Bucket="kept", Key="doc")).code == "NoSuchBucket"
        assert error_of(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")).code == "NotFoundException"
