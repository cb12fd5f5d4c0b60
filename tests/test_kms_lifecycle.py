"""KMS over time and across accounts/Regions: deletion and rotation on the virtual clock, imported
material, multi-Region keys, grants, aliases, policies, tags, and secrets kept out of store and events."""
from __future__ import annotations

import os
import stat
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from nimbus.core.events import API_CALL
from tests.support import advance_clock, error_of, make_client, start_server, virtual_now

DAY = 86400


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """A server of its own: these tests move its clock by months."""
    with start_server(tmp_path_factory.mktemp("kms")) as running:
        yield running


@pytest.fixture(scope="module")
def kms(own):
    return make_client(own.endpoint, "kms")


def test_deletion_happens_on_the_virtual_clock(own, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=f"alias/doomed-{key[:8]}", TargetKeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    advance_clock(own.endpoint, 6 * DAY)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    advance_clock(own.endpoint, DAY + 1)
    assert error_of(kms.describe_key, KeyId=key)[0] == "NotFoundException"
    assert key not in [k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]]
    assert f"alias/doomed-{key[:8]}" not in [a["AliasName"] for a in kms.list_aliases()["Aliases"]]


def test_rotation_keeps_old_material(own, kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    old = kms.encrypt(KeyId=key, Plaintext=b"before rotation")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 90
    assert kms.list_key_rotations(KeyId=key)["Rotations"] == []
    advance_clock(own.endpoint, 181 * DAY)
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC", "AUTOMATIC"]
    kms.rotate_key_on_demand(KeyId=key)
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert rotations[-1]["RotationType"] == "ON_DEMAND" and rotations[-1]["KeyMaterialState"] == "CURRENT"
    new = kms.encrypt(KeyId=key, Plaintext=b"after rotation")
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before rotation"
    assert kms.decrypt(CiphertextBlob=new["CiphertextBlob"])["KeyMaterialId"] == rotations[-1]["KeyMaterialId"]
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["CurrentKeyMaterialId"] == rotations[-1]["KeyMaterialId"]
    raw = make_client(own.endpoint, "kms", parameter_validation=False)
    assert error_of(raw.enable_key_rotation, KeyId=key, RotationPeriodInDays=89)[0] == "ValidationException"
    signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    assert error_of(kms.enable_key_rotation, KeyId=signer)[0] == "UnsupportedOperationException"


def _wrap(public_der: bytes, algorithm: str, material: bytes) -> bytes:
    public = serialization.load_der_public_key(public_der)
    digest = hashes.SHA256() if algorithm.endswith("SHA_256") else hashes.SHA1()
    oaep = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    if algorithm.startswith("RSA_AES_KEY_WRAP"):
        aes = os.urandom(32)
        return public.encrypt(aes, oaep) + aes_key_wrap_with_padding(aes, material)
    if algorithm == "RSAES_PKCS1_V1_5":
        return public.encrypt(material, padding.PKCS1v15())
    return public.encrypt(material, oaep)


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSAES_PKCS1_V1_5",
                                       "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"])
def test_imported_material(own, kms, algorithm):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport"
    assert error_of(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x").worded == (
        "KMSInvalidStateException", f"{key['Arn']} is pending import.")
    material = os.urandom(32)
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_3072")
    assert error_of(kms.import_key_material, KeyId=key["KeyId"], ImportToken=b"forged",
                    EncryptedKeyMaterial=_wrap(params["PublicKey"], algorithm, material))[0] == \
        "InvalidImportTokenException"
    valid_to = virtual_now(own.endpoint) + timedelta(days=10)
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=_wrap(params["PublicKey"], algorithm, material),
                            ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    described = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert described["KeyState"] == "Enabled" and described["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"imported")["CiphertextBlob"]
    # Other material is refused; the same material again is accepted.
    assert error_of(kms.import_key_material, KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                    EncryptedKeyMaterial=_wrap(params["PublicKey"], algorithm, os.urandom(32)),
                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")[0] == "IncorrectKeyMaterialException"
    advance_clock(own.endpoint, 11 * DAY)
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    assert error_of(kms.decrypt, CiphertextBlob=blob)[0] == "KMSInvalidStateException"
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048")
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=_wrap(params["PublicKey"], algorithm, material),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
    kms.delete_imported_key_material(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    advance_clock(own.endpoint, 2 * DAY)
    assert error_of(kms.import_key_material, KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                    EncryptedKeyMaterial=_wrap(params["PublicKey"], algorithm, material),
                    ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")[0] == "ExpiredImportTokenException"


def test_multi_region_replicas_share_ciphertexts(own):
    east, west = make_client(own.endpoint, "kms"), make_client(own.endpoint, "kms", region="us-west-2")
    primary = east.create_key(MultiRegion=True)["KeyMetadata"]
    assert primary["KeyId"].startswith("mrk-")
    replica = east.replicate_key(KeyId=primary["KeyId"], ReplicaRegion="us-west-2")["ReplicaKeyMetadata"]
    assert replica["Arn"] == primary["Arn"].replace("us-east-1", "us-west-2")
    assert replica["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    blob = west.encrypt(KeyId=replica["KeyId"], Plaintext=b"west", EncryptionContext={"r": "w"})["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=blob, EncryptionContext={"r": "w"})["Plaintext"] == b"west"
    east.rotate_key_on_demand(KeyId=primary["KeyId"])
    rotated = east.encrypt(KeyId=primary["KeyId"], Plaintext=b"east")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=rotated)["Plaintext"] == b"east"
    configuration = east.describe_key(KeyId=primary["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"]
    assert [r["Region"] for r in configuration["ReplicaKeys"]] == ["us-west-2"]
    east.update_primary_region(KeyId=primary["KeyId"], PrimaryRegion="us-west-2")
    assert west.describe_key(KeyId=primary["KeyId"])["KeyMetadata"]["MultiRegionConfiguration"][
        "MultiRegionKeyType"] == "PRIMARY"
    assert error_of(east.replicate_key, KeyId=primary["KeyId"], ReplicaRegion="eu-west-1")[0] == \
        "UnsupportedOperationException"
    # The primary (now in us-west-2) waits for its replica's deletion before its own window starts.
    assert west.schedule_key_deletion(KeyId=primary["KeyId"], PendingWindowInDays=7)["KeyState"] == \
        "PendingReplicaDeletion"
    assert error_of(west.encrypt, KeyId=primary["KeyId"], Plaintext=b"x").worded == (
        "KMSInvalidStateException", f"{replica['Arn']} is pending replica deletion.")
    east.schedule_key_deletion(KeyId=primary["KeyId"], PendingWindowInDays=7)
    advance_clock(own.endpoint, 7 * DAY + 1)
    assert error_of(east.describe_key, KeyId=primary["KeyId"])[0] == "NotFoundException"
    assert west.describe_key(KeyId=primary["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    advance_clock(own.endpoint, 7 * DAY + 1)
    assert error_of(west.describe_key, KeyId=primary["KeyId"])[0] == "NotFoundException"
    single = east.create_key()["KeyMetadata"]["KeyId"]
    assert error_of(east.replicate_key, KeyId=single, ReplicaRegion="us-west-2")[0] == "UnsupportedOperationException"


def test_cross_account_use_needs_a_grant(own, kms):
    other_account = "111122223333"
    foreign = make_client(own.endpoint, "kms", key=other_account, secret="x")
    key = kms.create_key()["KeyMetadata"]
    denied = foreign.encrypt
    code, message = error_of(denied, KeyId=key["Arn"], Plaintext=b"x").worded
    assert code == "AccessDeniedException" and "kms:Encrypt" in message
    # Aliases only resolve in the caller's account; ARNs reach other accounts.
    assert error_of(foreign.describe_key, KeyId=key["KeyId"])[0] == "NotFoundException"
    grantee = f"arn:aws:iam::{other_account}:root"
    grant = kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt", "Decrypt"],
                             Constraints={"EncryptionContextSubset": {"team": "a"}}, Name="cross")
    blob = foreign.encrypt(KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"team": "a", "more": "1"},
                           GrantTokens=[grant["GrantToken"]])["CiphertextBlob"]
    assert foreign.decrypt(CiphertextBlob=blob, EncryptionContext={"team": "a", "more": "1"})["Plaintext"] == b"x"
    assert error_of(foreign.encrypt, KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"team": "b"})[0] == \
        "AccessDeniedException"
    assert error_of(foreign.generate_data_key, KeyId=key["Arn"], KeySpec="AES_256",
                    EncryptionContext={"team": "a"})[0] == "AccessDeniedException"
    assert error_of(foreign.encrypt, KeyId=key["Arn"], Plaintext=b"x", GrantTokens=["bogus"])[0] == \
        "InvalidGrantTokenException"
    listed = kms.list_grants(KeyId=key["KeyId"])["Grants"]
    assert [g["GrantId"] for g in listed] == [grant["GrantId"]] and listed[0]["KeyId"] == key["Arn"]
    assert listed[0]["Constraints"] == {"EncryptionContextSubset": {"team": "a"}}
    # CreateGrant with the same name and parameters is idempotent.
    assert kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt", "Decrypt"],
                            Constraints={"EncryptionContextSubset": {"team": "a"}},
                            Name="cross")["GrantId"] == grant["GrantId"]
    kms.revoke_grant(KeyId=key["KeyId"], GrantId=grant["GrantId"])
    assert error_of(foreign.encrypt, KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"team": "a"})[0] == \
        "AccessDeniedException"
    assert error_of(kms.revoke_grant, KeyId=key["KeyId"], GrantId=grant["GrantId"])[0] == "InvalidGrantIdException"


def test_retire_grants(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    retiring = "arn:aws:iam::000000000000:role/retirer"
    grant = kms.create_grant(KeyId=key, GranteePrincipal="arn:aws:iam::000000000000:role/app",
                             RetiringPrincipal=retiring, Operations=["Decrypt"])
    assert [g["GrantId"] for g in kms.list_retirable_grants(RetiringPrincipal=retiring)["Grants"]] == [grant["GrantId"]]
    kms.retire_grant(GrantToken=grant["GrantToken"])
    assert kms.list_grants(KeyId=key)["Grants"] == []


def test_aliases(kms):
    key = kms.create_key()["KeyMetadata"]
    other = kms.create_key()["KeyMetadata"]
    name = f"alias/app-{uuid.uuid4().hex[:8]}"
    kms.create_alias(AliasName=name, TargetKeyId=key["Arn"])
    alias_arn = f"arn:aws:kms:us-east-1:000000000000:{name}"
    for reference in (name, alias_arn, key["KeyId"], key["Arn"]):
        assert kms.describe_key(KeyId=reference)["KeyMetadata"]["KeyId"] == key["KeyId"]
    blob = kms.encrypt(KeyId=alias_arn, Plaintext=b"a")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId=name)["Plaintext"] == b"a"
    assert error_of(kms.create_alias, AliasName=name, TargetKeyId=other["KeyId"]).worded == (
        "AlreadyExistsException", f"An alias with the name {alias_arn} already exists")
    assert error_of(kms.create_alias, AliasName="alias/aws/mine", TargetKeyId=key["KeyId"]).worded == (
        "NotAuthorizedException", "")
    assert error_of(kms.create_alias, AliasName="app", TargetKeyId=key["KeyId"]).worded == (
        "ValidationException", 'Alias must start with the prefix "alias/". '
        'Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html')
    kms.update_alias(AliasName=name, TargetKeyId=other["KeyId"])
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == other["KeyId"]
    assert [a["AliasName"] for a in kms.list_aliases(KeyId=other["KeyId"])["Aliases"]] == [name]
    kms.delete_alias(AliasName=name)
    assert error_of(kms.describe_key, KeyId=name)[0] == "NotFoundException"
    managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert managed["KeyManager"] == "AWS"


def test_key_policies(kms):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.list_key_policies(KeyId=key)["PolicyNames"] == ["default"]
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    assert '"AWS" : "arn:aws:iam::000000000000:root"' in policy and '"Id" : "key-default-1"' in policy
    malformed = "MalformedPolicyDocumentException"
    assert error_of(kms.put_key_policy, KeyId=key, PolicyName="default", Policy="{not json")[0] == malformed
    lockout = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
               '"arn:aws:iam::000000000000:root"},"Action":"kms:Encrypt","Resource":"*"}]}')
    assert error_of(kms.put_key_policy, KeyId=key, PolicyName="default", Policy=lockout).worded == (
        malformed, "The new key policy will not allow you to update the key policy in the future.")
    bad_principal = lockout.replace("arn:aws:iam::000000000000:root", "nobody")
    assert error_of(kms.put_key_policy, KeyId=key, Policy=bad_principal, BypassPolicyLockoutSafetyCheck=True).worded == (
        malformed, "Policy contains a statement with one or more invalid principals.")
    kms.put_key_policy(KeyId=key, Policy=lockout, BypassPolicyLockoutSafetyCheck=True)
    assert kms.get_key_policy(KeyId=key)["Policy"] == lockout


def test_tags_and_description(kms):
    key = kms.create_key(Tags=[{"TagKey": "a", "TagValue": "1"}])["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "b", "TagValue": "2"}, {"TagKey": "a", "TagValue": "3"}])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "a", "TagValue": "3"},
                                                         {"TagKey": "b", "TagValue": "2"}]
    kms.untag_resource(KeyId=key, TagKeys=["a"])
    assert [t["TagKey"] for t in kms.list_resource_tags(KeyId=key)["Tags"]] == ["b"]
    assert error_of(kms.tag_resource, KeyId=key, Tags=[{"TagKey": "aws:x", "TagValue": "1"}])[0] == "TagException"
    kms.update_key_description(KeyId=key, Description="new words")
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["Description"] == "new words"


def test_list_keys_pages(kms):
    for _ in range(3):
        kms.create_key()
    first = kms.list_keys(Limit=2)
    assert len(first["Keys"]) == 2 and first["Truncated"]
    second = kms.list_keys(Limit=2, Marker=first["NextMarker"])
    assert first["Keys"][-1]["KeyId"] < second["Keys"][0]["KeyId"]


def test_no_secrets_at_rest_or_in_events(own, kms):
    master = os.path.join(own.runtime.config.data_dir, "kms", "master.key")
    assert stat.S_IMODE(os.stat(master).st_mode) == 0o600
    calls = []
    own.runtime.events.subscribe(API_CALL, calls.append)
    try:
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        data_key = kms.generate_data_key(KeyId=key, KeySpec="AES_256")
        blob = kms.encrypt(KeyId=key, Plaintext=b"top-secret-plaintext")["CiphertextBlob"]
        kms.decrypt(CiphertextBlob=blob)
        own.runtime.events.flush()
    finally:
        own.runtime.events.unsubscribe(API_CALL, calls.append)
    recorded = repr([(c.request_parameters, c.response) for c in calls])
    for secret in (b"top-secret-plaintext", data_key["Plaintext"], data_key["CiphertextBlob"], blob):
        assert repr(secret) not in recorded
    assert "HIDDEN_DUE_TO_SECURITY_REASONS" in recorded
    encrypt_call = next(c for c in calls if c.operation == "Encrypt")
    assert encrypt_call.request_parameters["KeyId"] == key
    # The store holds the material only sealed: the data key's wrapping material is not in the database.
    material = own.runtime.services.get("kms").provider.keys.material(
        own.runtime.services.get("kms").provider.keys.load("000000000000", "us-east-1", key))
    database = b"".join(p.read_bytes() for p in
                        __import__("pathlib").Path(own.runtime.config.data_dir).rglob("*") if p.is_file())
    assert material not in database and material.hex().encode() not in database


def test_keys_survive_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        kms = make_client(first.endpoint, "kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        signer = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key, Plaintext=b"durable")["CiphertextBlob"]
        public = kms.get_public_key(KeyId=signer)["PublicKey"]
    with start_server(tmp_path) as second:
        kms = make_client(second.endpoint, "kms")
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"durable"
        assert kms.get_public_key(KeyId=signer)["PublicKey"] == public


def test_imported_asymmetric_material_signs(own, kms):
    from cryptography.hazmat.primitives.asymmetric import ec
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    key = kms.create_key(Origin="EXTERNAL", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    params = kms.get_parameters_for_import(KeyId=key["KeyId"], WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256",
                                           WrappingKeySpec="RSA_4096")
    kms.import_key_material(KeyId=key["KeyId"], ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=_wrap(params["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", der),
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    signature = kms.sign(KeyId=key["KeyId"], Message=b"imported", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    private.public_key().verify(signature, b"imported", ec.ECDSA(hashes.SHA256()))
