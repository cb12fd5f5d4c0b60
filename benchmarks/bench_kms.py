"""KMS: boto3 calls/s for Encrypt (1 KiB), Decrypt, GenerateDataKey and Sign (ECC P-256), and server
capacity for Encrypt under concurrent load, nimbus vs moto.

Capacity: pre-signed raw Encrypt requests (one SigV4 signature, valid for minutes) sent back to back
over keep-alive HTTP connections from several processes with several threads each, so the client's
own overhead stays small next to the server's.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
from urllib.parse import urlparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from benchmarks.harness import rate, running

PROCESSES = 2
CONNECTIONS_PER_PROCESS = 8
PLAINTEXT = b"x" * 1024


def signed_encrypt(endpoint: str, key_id: str) -> tuple[bytes, dict[str, str]]:
    import base64
    body = json.dumps({"KeyId": key_id, "Plaintext": base64.b64encode(PLAINTEXT).decode()}).encode()
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.Encrypt"})
    SigV4Auth(Credentials("test", "test"), "kms", "us-east-1").add_auth(request)
    return body, dict(request.headers.items())


def _hammer(endpoint: str, body: bytes, headers: dict, seconds: float, results) -> None:
    url = urlparse(endpoint)
    counts = [0] * CONNECTIONS_PER_PROCESS
    failures = [0] * CONNECTIONS_PER_PROCESS
    stop = time.perf_counter() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while time.perf_counter() < stop:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                counts[index] += 1
            else:
                failures[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS_PER_PROCESS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((sum(counts), sum(failures)))


def capacity(endpoint: str, key_id: str, seconds: float) -> float:
    body, headers = signed_encrypt(endpoint, key_id)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_hammer, args=(endpoint, body, headers, seconds, results))
                 for _ in range(PROCESSES)]
    start = time.perf_counter()
    for process in processes:
        process.start()
    totals = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - start
    done, failed = sum(t[0] for t in totals), sum(t[1] for t in totals)
    if failed:
        raise RuntimeError(f"{failed} Encrypt requests failed under load")
    # Process start-up is part of elapsed; the workers themselves ran for `seconds`.
    return done / min(elapsed, seconds)


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
                f"Encrypt_capacity_{PROCESSES * CONNECTIONS_PER_PROCESS}conn_per_s": capacity(target.endpoint, key, seconds),
            })
    return rows
