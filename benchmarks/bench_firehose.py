"""Firehose end to end: PutRecordBatch (500 x 1 KiB) until the records are objects in S3, nimbus vs moto.

One boto3 client sends batches back to back for the measuring time, then the clock stops when the objects
in the bucket hold every byte sent (listed through S3, as a client would see them). That is bound by
boto3's own encoding, so a second measure sends one pre-signed raw PutRecordBatch request (the same body,
valid for minutes) over several keep-alive connections: the server's capacity, end to end. nimbus buffers (1 MiB /
0 s hints) and writes an object per MiB; moto writes an object per call. Same client-visible flow.
"""
from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from urllib.parse import urlparse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from benchmarks.harness import running

CONNECTIONS = 4

RECORD = b"r" * 1023 + b"\n"
BATCH = [{"Data": RECORD}] * 500


def delivered_bytes(s3, bucket: str) -> int:
    total, token = 0, None
    while True:
        page = s3.list_objects_v2(Bucket=bucket, **({"ContinuationToken": token} if token else {}))
        total += sum(o["Size"] for o in page.get("Contents", []))
        token = page.get("NextContinuationToken")
        if not token:
            return total


def delivery_role(iam) -> str:
    """A role Firehose may assume (AWS, and nimbus, refuse one it cannot)."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "firehose.amazonaws.com"}}]}
    try:
        return iam.create_role(RoleName="firehose", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName="firehose")["Role"]["Arn"]


def stream(target, name: str) -> str:
    s3, firehose = target.client("s3"), target.client("firehose")
    bucket = f"bench-{name}"
    s3.create_bucket(Bucket=bucket)
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
        "RoleARN": delivery_role(target.client("iam")), "BucketARN": f"arn:aws:s3:::{bucket}",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0}})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # CREATING -> ACTIVE
        status = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        if status["DeliveryStreamStatus"] == "ACTIVE":
            break
        time.sleep(0.05)
    return bucket


def wait_delivered(target, bucket: str, sent: int, start: float, seconds: float) -> dict:
    expected = sent * len(RECORD)
    s3 = target.client("s3")
    while delivered_bytes(s3, bucket) < expected:
        if time.perf_counter() - start > seconds + 60:
            raise RuntimeError(f"{target.name} did not deliver everything")
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    return {"records_per_s": sent / elapsed, "MB_per_s": expected / elapsed / 1e6}


def one_client(target, seconds: float) -> dict:
    bucket = stream(target, "bench")
    firehose = target.client("firehose")
    sent, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        result = firehose.put_record_batch(DeliveryStreamName="bench", Records=BATCH)
        if result["FailedPutCount"]:
            raise RuntimeError("records refused")
        sent += len(BATCH)
    return wait_delivered(target, bucket, sent, start, seconds)


def presigned(endpoint: str, name: str) -> tuple[bytes, dict]:
    body = json.dumps({"DeliveryStreamName": name, "Records": [
        {"Data": base64.b64encode(RECORD).decode()}] * len(BATCH)}).encode()
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Firehose_20150804.PutRecordBatch"})
    SigV4Auth(Credentials("test", "test"), "firehose", "us-east-1").add_auth(request)
    return body, dict(request.headers.items())


def capacity(target, seconds: float) -> dict:
    bucket = stream(target, "capacity")
    body, headers = presigned(target.endpoint, "capacity")
    url = urlparse(target.endpoint)
    counts, stop = [0] * CONNECTIONS, time.perf_counter() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while time.perf_counter() < stop:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or json.loads(answer)["FailedPutCount"]:
                raise RuntimeError(f"PutRecordBatch failed: {answer[:200]!r}")
            counts[index] += len(BATCH)
        connection.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wait_delivered(target, bucket, sum(counts), start, seconds)


def run(seconds: float) -> list[dict]:
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            row = {"server": name}
            row.update({f"delivery_{k}": v for k, v in one_client(target, seconds).items()})
            row.update({f"delivery_{CONNECTIONS}conn_{k}": v for k, v in capacity(target, seconds).items()})
            rows.append(row)
    return rows
