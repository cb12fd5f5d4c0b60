"""KMS: boto3 calls/s for Encrypt (1 KiB), Decrypt, GenerateDataKey and Sign (ECC P-256), and server
capacity for Encrypt under concurrent load, nimbus vs moto.

Capacity: pre-signed raw Encrypt requests sent back to back from several processes (benchmarks/load.py).
"""
from __future__ import annotations

import base64
import json

from benchmarks.harness import Target, rate, running
from benchmarks.load import CONNECTIONS_PER_PROCESS, PROCESSES, capacity, signed

PLAINTEXT = b"x" * 1024


def encrypt_capacity(target: Target, key_id: str, seconds: float) -> float:
    """Encrypt calls/s the server answers to concurrent raw clients."""
    body = json.dumps({"KeyId": key_id, "Plaintext": base64.b64encode(PLAINTEXT).decode()}).encode()
    request = signed(target.endpoint, "kms", body=body, headers={"Content-Type": "application/x-amz-json-1.1",
                                                                 "X-Amz-Target": "TrentService.Encrypt"})
    return capacity(target.endpoint, target.pid, request, seconds).per_s


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            kms = target.client("kms")
            key = kms.create_key()["KeyMetadata"]["KeyId"]
            signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
            blob = kms.encrypt(KeyId=key, Plaintext=PLAINTEXT)["CiphertextBlob"]
            rows.append({
                "server": name,
                "Encrypt_1KiB_per_s": rate(lambda: kms.encrypt(KeyId=key, Plaintext=PLAINTEXT), seconds),
                "Decrypt_per_s": rate(lambda: kms.decrypt(CiphertextBlob=blob), seconds),
                "GenerateDataKey_per_s": rate(lambda: kms.generate_data_key(KeyId=key, KeySpec="AES_256"), seconds),
                "Sign_P256_per_s": rate(lambda: kms.sign(KeyId=signer, Message=b"m" * 64,
                                                         SigningAlgorithm="ECDSA_SHA_256"), seconds),
                f"Encrypt_capacity_{PROCESSES * CONNECTIONS_PER_PROCESS}conn_per_s": encrypt_capacity(
                    target, key, seconds),
            })
    return rows
