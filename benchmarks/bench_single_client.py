"""One sequential client: the wall latency of a small call, nimbus against kinesalite and the trivial server.

A single boto3 client waits for each answer before it sends the next request, so what it gets from a server
is the server's wall time per call (last byte of the request to the first byte of the answer) on top of its own
cost per call. This measures both:

- ``<op>_raw_latency_us``: the median wall time of one call over one keep-alive connection, the request
  signed once and replayed (``benchmarks/load.py``), so the client adds only a socket write and read;
- ``<op>_cpu_us_per_call``: the server process's CPU (user + system, every thread) per call of that run;
- ``PutRecord_boto3_per_s``: calls/s of one boto3 client, as ``bench_kinesis`` measures it.

``python -m benchmarks.run single_client``; ``SINGLE_CLIENT_SERVERS`` limits the servers
(nimbus, kinesalite, trivial-uvicorn).
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import statistics
import time
from urllib.parse import urlparse

from benchmarks.bench_kinesis import RECORD, _stream, kinesalite
from benchmarks.bench_request_path import JSON_11, trivial
from benchmarks.harness import Target, rate, running
from benchmarks.load import RawRequest, cpu_seconds, signed

SERVERS = os.environ.get("SINGLE_CLIENT_SERVERS", "nimbus,kinesalite,trivial-uvicorn").split(",")
KINESIS = {"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.PutRecord"}


def _put_record(endpoint: str) -> RawRequest:
    body = json.dumps({"StreamName": "single", "PartitionKey": "k", "Data": base64.b64encode(RECORD).decode()})
    return signed(endpoint, "kinesis", body=body.encode(), headers=KINESIS)


def _requests(target: Target, with_kms: bool) -> dict[str, RawRequest]:
    _stream(target.client("kinesis"), "single", 1)
    end = target.endpoint
    requests = {"PutRecord_1KiB": _put_record(end)}
    if with_kms:
        key = target.client("kms").create_key()["KeyMetadata"]["KeyId"]
        requests["GetCallerIdentity"] = signed(
            end, "sts", body=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        requests["Encrypt_64B"] = signed(end, "kms", body=json.dumps({"KeyId": key, "Plaintext": base64.b64encode(
            b"p" * 64).decode()}).encode(), headers={"Content-Type": JSON_11, "X-Amz-Target": "TrentService.Encrypt"})
    return requests


def latency(target: Target, request: RawRequest, seconds: float) -> tuple[float, float]:
    """The median wall time of one call in µs, and the server's CPU µs per call, over one connection."""
    url = urlparse(target.endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    times: list[float] = []

    def call() -> None:
        start = time.perf_counter()
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        if response.status >= 300:
            raise RuntimeError(f"{target.name} answered {response.status}")

    for _ in range(200):
        call()
    times.clear()
    cpu_before, stop = cpu_seconds(target.pid), time.perf_counter() + seconds
    while time.perf_counter() < stop:
        call()
    cpu = cpu_seconds(target.pid) - cpu_before
    connection.close()
    return 1e6 * statistics.median(times), 1e6 * cpu / len(times)


def _row(target: Target, requests: dict[str, RawRequest], seconds: float) -> dict:
    row: dict = {"server": target.name}
    for name, request in requests.items():
        row[f"{name}_raw_latency_us"], row[f"{name}_cpu_us_per_call"] = latency(target, request, seconds)
    kinesis = target.client("kinesis")  # the trivial server's fixed answer parses as an (empty) PutRecord output
    row["PutRecord_boto3_per_s"] = rate(lambda: kinesis.put_record(StreamName="single", Data=RECORD, PartitionKey="k"),
                                        seconds, warmup=50)
    return row


def run(seconds: float) -> list[dict]:
    rows = []
    if "nimbus" in SERVERS:
        with running("nimbus") as target:
            rows.append(_row(target, _requests(target, with_kms=True), seconds))
    if "kinesalite" in SERVERS and shutil.which("node") and shutil.which("npm"):
        with kinesalite() as target:
            rows.append(_row(target, _requests(target, with_kms=False), seconds))
    if "trivial-uvicorn" in SERVERS:
        with trivial("uvicorn") as target:
            end = target.endpoint  # any request gets the fixed answer: only its bytes on the wire count
            requests = {"PutRecord_1KiB": signed(end, "kinesis", body=b"x" * 1450, headers=KINESIS)}
            rows.append(_row(target, requests, seconds))
    return rows
