"""KMS symmetric keys: AES-256-GCM blobs that carry their key, contexts as AAD, data keys, and AWS's errors."""
from __future__ import annotations

import pytest

from tests.support import error_of


@pytest.fixture(scope="module")
def raw(client):
    """A client that lets bad values reach the server, as other SDKs and the CLI may."""
    return client("kms", parameter_validation=False)


@pytest.fixture(scope="module")
def key(kms):
    return kms.create_key(Description="symmetric")["KeyMetadata"]


def test_encrypt_decrypt_without_key_id(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext={"purpose": "t"})
    assert blob["KeyId"] == key["Arn"] and blob["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    out = kms.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext={"purpose": "t"})
    assert out["Plaintext"] == b"secret" and out["KeyId"] == key["Arn"]
    assert out["KeyMaterialId"] == key["CurrentKeyMaterialId"]
    # Each encryption uses a fresh nonce.
    again = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext={"purpose": "t"})
    assert again["CiphertextBlob"] != blob["CiphertextBlob"]


def test_encryption_context_is_bound(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"a": "1"})["CiphertextBlob"]
    assert error_of(kms.decrypt, CiphertextBlob=blob).worded == ("InvalidCiphertextException", "")
    assert error_of(kms.decrypt, CiphertextBlob=blob, EncryptionContext={"a": "2"})[0] == "InvalidCiphertextException"
    assert error_of(kms.decrypt, CiphertextBlob=blob, EncryptionContext={"a": "1", "b": "2"})[0] == \
        "InvalidCiphertextException"


def test_tampered_truncated_and_foreign_ciphertext(kms, key):
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"payload")["CiphertextBlob"]
    for bad in (blob[:-1], blob[:20], blob[:-1] + bytes([blob[-1] ^ 1]), bytes([blob[0] ^ 1]) + blob[1:],
                blob[:60] + bytes([blob[60] ^ 1]) + blob[61:], b"not a ciphertext at all"):
        assert error_of(kms.decrypt, CiphertextBlob=bad).worded == ("InvalidCiphertextException", "")
    other = kms.create_key()["KeyMetadata"]
    assert error_of(kms.decrypt, CiphertextBlob=blob, KeyId=other["KeyId"]).worded == (
        "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")


def test_plaintext_limits(raw, key):
    kms = raw
    assert kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4096)["CiphertextBlob"]
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x" * 4097).worded == (
        "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096")


def test_generate_data_key(kms, key):
    out = kms.generate_data_key(KeyId=key["Arn"], KeySpec="AES_256", EncryptionContext={"k": "v"})
    assert len(out["Plaintext"]) == 32 and out["KeyId"] == key["Arn"]
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"k": "v"})["Plaintext"] == out["Plaintext"]
    assert len(kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_128")["Plaintext"]) == 16
    assert len(kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=1)["Plaintext"]) == 1
    assert len(kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=1024)["Plaintext"]) == 1024
    bare = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], NumberOfBytes=64)
    assert "Plaintext" not in bare
    assert len(kms.decrypt(CiphertextBlob=bare["CiphertextBlob"])["Plaintext"]) == 64


def test_generate_data_key_bad_sizes(raw, key):
    kms = raw
    assert error_of(kms.generate_data_key, KeyId=key["KeyId"], NumberOfBytes=0).worded == (
        "ValidationException", "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1")
    assert error_of(kms.generate_data_key, KeyId=key["KeyId"], NumberOfBytes=1025).worded == (
        "ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value less than or equal to 1024")
    both = ("ValidationException", "Please specify either number of bytes or key spec.")
    assert error_of(kms.generate_data_key, KeyId=key["KeyId"], NumberOfBytes=32, KeySpec="AES_256").worded == both
    assert error_of(kms.generate_data_key, KeyId=key["KeyId"]).worded == both


def test_re_encrypt_between_keys(kms, key):
    other = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"move me", EncryptionContext={"a": "b"})["CiphertextBlob"]
    moved = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"a": "b"},
                           DestinationKeyId=other["Arn"], DestinationEncryptionContext={"c": "d"})
    assert moved["SourceKeyId"] == key["Arn"] and moved["KeyId"] == other["Arn"]
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext={"c": "d"})["Plaintext"] == b"move me"
    assert error_of(kms.re_encrypt, CiphertextBlob=blob, DestinationKeyId=other["KeyId"])[0] == \
        "InvalidCiphertextException"


def test_generate_random(raw):
    kms = raw
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    assert error_of(kms.generate_random, NumberOfBytes=1025)[0] == "ValidationException"


def test_key_states(kms, endpoint):
    key = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"s")["CiphertextBlob"]
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    disabled = ("DisabledException", f"{key['Arn']} is disabled.")
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"s").worded == disabled
    assert error_of(kms.decrypt, CiphertextBlob=blob).worded == disabled
    assert error_of(kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256").worded == disabled
    kms.enable_key(KeyId=key["KeyId"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"s"
    scheduled = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert scheduled["KeyState"] == "PendingDeletion" and scheduled["PendingWindowInDays"] == 7
    pending = ("KMSInvalidStateException", f"{key['Arn']} is pending deletion.")
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"s").worded == pending
    assert error_of(kms.decrypt, CiphertextBlob=blob).worded == pending
    assert error_of(kms.enable_key, KeyId=key["KeyId"]).worded == pending
    assert error_of(kms.schedule_key_deletion, KeyId=key["KeyId"]).worded == pending
    assert kms.cancel_key_deletion(KeyId=key["KeyId"])["KeyId"] == key["Arn"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    assert error_of(kms.cancel_key_deletion, KeyId=key["KeyId"]).worded == (
        "KMSInvalidStateException", f"{key['Arn']} is not pending deletion.")


def test_schedule_deletion_window(raw):
    kms = raw
    key = kms.create_key()["KeyMetadata"]
    assert error_of(kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=6).worded == (
        "ValidationException", "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy "
        "constraint: Member must have value greater than or equal to 7")
    assert error_of(kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=31)[0] == "ValidationException"
    assert kms.schedule_key_deletion(KeyId=key["KeyId"])["PendingWindowInDays"] == 30


def test_missing_keys(kms):
    missing = "11111111-2222-3333-4444-555555555555"
    arn = f"arn:aws:kms:us-east-1:000000000000:key/{missing}"
    assert error_of(kms.describe_key, KeyId=missing).worded == ("NotFoundException", f"Key '{arn}' does not exist")
    assert error_of(kms.encrypt, KeyId=arn, Plaintext=b"x").worded == ("NotFoundException", f"Key '{arn}' does not exist")
    assert error_of(kms.encrypt, KeyId="nonsense", Plaintext=b"x").worded == ("NotFoundException", "Invalid keyId 'nonsense'")
    assert error_of(kms.encrypt, KeyId="alias/nope", Plaintext=b"x").worded == (
        "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/nope is not found.")


def test_dry_run(kms, key):
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x", DryRun=True).worded == (
        "DryRunOperationException", "The request would succeed if DryRun wasn\u2019t specified.")
