"""KMS through real clients: the AWS Encryption SDK (MPL keyrings), the AWS CLI, and the envelope example."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import aws_encryption_sdk
import pytest
from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError

from tests.support import make_client


def test_encryption_sdk_multi_keyring_round_trip(kms, endpoint):
    from aws_cryptographic_material_providers.mpl import AwsCryptographicMaterialProviders
    from aws_cryptographic_material_providers.mpl.config import MaterialProvidersConfig
    from aws_cryptographic_material_providers.mpl.models import CreateAwsKmsMultiKeyringInput
    from aws_encryption_sdk import CommitmentPolicy

    first = kms.create_key()["KeyMetadata"]["Arn"]
    second = kms.create_key()["KeyMetadata"]["Arn"]
    sdk = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    mpl = AwsCryptographicMaterialProviders(config=MaterialProvidersConfig())

    def keyring(generator, others=()):
        return mpl.create_aws_kms_multi_keyring(CreateAwsKmsMultiKeyringInput(
            generator=generator, kms_key_ids=list(others),
            client_supplier=_Supplier(endpoint)))

    context = {"tenant": "acme"}
    message = os.urandom(10000)
    ciphertext, header = sdk.encrypt(source=message, keyring=keyring(first, [second]), encryption_context=context)
    assert len(header.encrypted_data_keys) == 2
    # Either key alone decrypts the message.
    for single in (first, second):
        plaintext, decrypted_header = sdk.decrypt(source=ciphertext, keyring=keyring(single))
        assert plaintext == message and decrypted_header.encryption_context["tenant"] == "acme"
    # Disabling both keys makes the message unreadable.
    kms.disable_key(KeyId=first)
    kms.disable_key(KeyId=second)
    with pytest.raises(AWSEncryptionSDKClientError) as raised:
        sdk.decrypt(source=ciphertext, keyring=keyring(first, [second]))
    # Each keyring reports KMS's DisabledException message for its key (in the collected errors' repr).
    reported = repr(raised.value)
    assert f"{first} is disabled." in reported and f"{second} is disabled." in reported


class _Supplier:
    """An MPL client supplier that hands out boto3 KMS clients pointed at nimbus."""

    def __init__(self, endpoint: str):
        from aws_cryptographic_material_providers.mpl.references import ClientSupplier
        self.__class__ = type("NimbusSupplier", (_Supplier, ClientSupplier), {})
        self.endpoint = endpoint

    def get_client(self, param):
        return make_client(self.endpoint, "kms", region=param.region)


def test_encryption_sdk_master_key_provider(kms, endpoint, monkeypatch):
    import botocore.session
    from aws_encryption_sdk import CommitmentPolicy, StrictAwsKmsMasterKeyProvider

    key = kms.create_key()["KeyMetadata"]["Arn"]
    # The provider builds its own clients: botocore's service-specific endpoint setting points them at nimbus.
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", endpoint)
    provider = StrictAwsKmsMasterKeyProvider(key_ids=[key], botocore_session=botocore.session.Session())
    sdk = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
    ciphertext, _ = sdk.encrypt(source=b"legacy provider", key_provider=provider)
    assert sdk.decrypt(source=ciphertext, key_provider=provider)[0] == b"legacy provider"


def _aws(endpoint: str, *args: str) -> dict:
    cli = Path(sys.executable).with_name("aws")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run([str(cli), "--endpoint-url", endpoint, "--output", "json", *args],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_cli_encrypt_decrypt_round_trip(kms, endpoint, tmp_path):
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    source = tmp_path / "plain.txt"
    source.write_bytes(b"via the AWS CLI")
    encrypted = _aws(endpoint, "kms", "encrypt", "--key-id", key, "--plaintext", f"fileb://{source}",
                     "--encryption-context", "stage=test")
    blob = tmp_path / "blob.bin"
    blob.write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))
    decrypted = _aws(endpoint, "kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}",
                     "--encryption-context", "stage=test")
    assert base64.b64decode(decrypted["Plaintext"]) == b"via the AWS CLI"
    assert decrypted["KeyId"].endswith(key)
