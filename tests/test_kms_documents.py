"""KMS documents stored before schema versions (version 0) are served, then rewritten versioned."""
from __future__ import annotations

from nimbus.core.documents import VERSION_FIELD
from nimbus.services.kms.keys import aliases_ns, grants_ns, keys_ns
from tests.support import ACCOUNT, make_client, start_server, stored, unversion

OLD_KEY_FIELDS = {"CurrentKeyMaterialId": "CurrentMaterial", "PendingDeletionWindowInDays": "PendingWindow"}


def test_keys_aliases_and_grants_stored_before_versions_keep_working(tmp_path):
    data_dir = str(tmp_path / "data")
    with start_server(tmp_path) as server:
        kms = make_client(server.endpoint, "kms")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
        kms.create_alias(AliasName="alias/legacy", TargetKeyId=key_id)
        grant_id = kms.create_grant(KeyId=key_id, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:root",
                                    Operations=["Decrypt"])["GrantId"]
    keys = keys_ns(ACCOUNT, "us-east-1")
    old = unversion(data_dir, keys, key_id, renames=OLD_KEY_FIELDS)[key_id]
    assert old["CurrentMaterial"] and "CurrentKeyMaterialId" not in old
    unversion(data_dir, aliases_ns(ACCOUNT, "us-east-1"), "alias/legacy")
    unversion(data_dir, grants_ns(ACCOUNT, "us-east-1"), grant_id)

    with start_server(tmp_path) as server:
        kms = make_client(server.endpoint, "kms")
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before"
        assert kms.encrypt(KeyId="alias/legacy", Plaintext=b"x")["KeyId"].endswith(key_id)
        assert [g["GrantId"] for g in kms.list_grants(KeyId=key_id)["Grants"]] == [grant_id]
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        assert metadata["PendingDeletionWindowInDays"] == 7
        assert metadata["CurrentKeyMaterialId"] == old["CurrentMaterial"]

    now = stored(data_dir, keys, key_id)
    assert now[VERSION_FIELD] == 1 and now["PendingDeletionWindowInDays"] == 7
    assert now["CurrentKeyMaterialId"] == old["CurrentMaterial"] and "CurrentMaterial" not in now
