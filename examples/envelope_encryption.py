"""Envelope encryption with KMS, step by step, against a running nimbus.

The seven steps (from the KMS notes): a key is created; a data key is generated, returned both in
plaintext and encrypted under the KMS key; the plaintext data key encrypts the data; the encrypted
data key is stored alongside the encrypted data; later the app asks KMS to decrypt the data key; the
data is decrypted with it; the plaintext key is wiped from memory. An encryption context must match
between encryption and decryption.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/envelope_encryption.py
"""
from __future__ import annotations

import json
import os

from common import clients
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def wipe(buffer: bytearray) -> None:
    for i in range(len(buffer)):
        buffer[i] = 0


def main(endpoint: str | None = None) -> dict:
    kms = clients(endpoint)("kms")
    context = {"app": "envelope-example", "record": "42"}

    # Step 1: a key is created (a customer managed key; it never leaves KMS).
    key_id = kms.create_key(Description="envelope encryption example")["KeyMetadata"]["KeyId"]
    print(f"1. created KMS key {key_id}")

    # Step 2: KMS returns a data key in plaintext and encrypted under the KMS key.
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)
    plaintext_key = bytearray(data_key["Plaintext"])
    print(f"2. got a {len(plaintext_key) * 8}-bit data key and its {len(data_key['CiphertextBlob'])}-byte encrypted copy")

    # Step 3: the plaintext data key encrypts the data (any size; KMS itself takes at most 4 KB).
    document = ("confidential " * 1000).encode()
    nonce = os.urandom(12)
    encrypted = AESGCM(bytes(plaintext_key)).encrypt(nonce, document, None)
    print(f"3. encrypted {len(document)} bytes locally")

    # Step 4: the encrypted data key is stored with the encrypted data; the plaintext key is dropped.
    stored = json.dumps({"key": data_key["CiphertextBlob"].hex(), "nonce": nonce.hex(), "data": encrypted.hex()})
    wipe(plaintext_key)
    print(f"4. stored {len(stored)} bytes: encrypted data + encrypted data key")

    # Step 5: to read the data, the app asks KMS to decrypt the data key (same encryption context).
    record = json.loads(stored)
    recovered_key = bytearray(kms.decrypt(CiphertextBlob=bytes.fromhex(record["key"]),
                                          EncryptionContext=context)["Plaintext"])
    print("5. KMS decrypted the data key")

    # Step 6: the data is decrypted with the data key.
    decrypted = AESGCM(bytes(recovered_key)).decrypt(bytes.fromhex(record["nonce"]), bytes.fromhex(record["data"]), None)
    assert decrypted == document
    print(f"6. decrypted {len(decrypted)} bytes")

    # Step 7: the plaintext key is wiped from memory.
    wipe(recovered_key)
    assert not any(recovered_key)
    print("7. wiped the plaintext data key")

    # The encryption context must match: a different one is refused.
    try:
        kms.decrypt(CiphertextBlob=bytes.fromhex(record["key"]), EncryptionContext={"app": "other"})
        context_enforced = False
    except kms.exceptions.InvalidCiphertextException:
        context_enforced = True
    print(f"   a different encryption context is refused: {context_enforced}")
    return {"key_id": key_id, "roundtrip": decrypted == document, "context_enforced": context_enforced}


if __name__ == "__main__":
    main()
