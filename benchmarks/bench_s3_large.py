"""S3 PutObject and GetObject of 64 MiB: MiB/s with boto3 and with a raw pre-signed HTTP client, and the
server's CPU seconds per 64 MiB, for nimbus and moto in one run.

boto3 over http:// signs the payload (its SHA-256) and sends a CRC32 header, both computed by the client before
it sends a byte, so its rate is bounded by its own hashing; the raw client sends pre-signed bytes from memory
(UNSIGNED-PAYLOAD, as a pre-signed URL does), which is the server's own rate. "chunked_put" sends what boto3
sends over https:// (and the CLI with payload signing off): an aws-chunked body of 1 MiB chunks with a CRC32
trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), framed in memory beforehand. The "client alone" row is each
client against a socket that reads and discards the body (and answers a GET with 64 MiB of zeros): the most
the client and the loopback can carry. ``S3_LARGE_SERVERS=nimbus`` limits a run to nimbus.
"""
from __future__ import annotations

import base64
import http.client
import os
import socket
import threading
import time
import zlib
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from benchmarks.harness import Target, running

LARGE = 64 * 1024 * 1024
MIB = 1024 * 1024


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(call, pid: int | None, seconds: float) -> tuple[float, float | None]:
    """(MiB/s, server CPU seconds per call) of ``call`` repeated for ``seconds`` after one warm-up."""
    call()
    cpu = _cpu_seconds(pid) if pid else 0.0
    count, start = 0, time.perf_counter()
    while count < 3 or time.perf_counter() - start < seconds:
        call()
        count += 1
    elapsed = time.perf_counter() - start
    per_call = (_cpu_seconds(pid) - cpu) / count if pid else None
    return count * LARGE / MIB / elapsed, per_call


def _raw(url: str, method: str, body: bytes | None = None, headers: dict | None = None) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    while response.read(MIB):
        pass
    if response.status != 200:
        raise RuntimeError(f"{method} answered {response.status}")
    connection.close()


def _aws_chunked(body: bytes) -> bytes:
    """``body`` framed as boto3 frames an upload over https://: 1 MiB chunks, then a CRC32 trailer."""
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    frames = [b"%x\r\n%b\r\n" % (len(body[at:at + MIB]), body[at:at + MIB]) for at in range(0, len(body), MIB)]
    return b"".join(frames) + f"0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()


def _chunked_put(endpoint: str, bucket: str, framed: bytes) -> None:
    request = AWSRequest("PUT", f"{endpoint}/{bucket}/chunked", headers={
        "Content-Encoding": "aws-chunked", "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "X-Amz-Decoded-Content-Length": str(LARGE), "X-Amz-Trailer": "x-amz-checksum-crc32",
        "Content-Length": str(len(framed))})
    # SigV4Auth signs the X-Amz-Content-SHA256 given (S3SigV4Auth would replace it with the body's hash).
    SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    _raw(request.url, "PUT", framed, dict(request.headers.items()))


def _discarding_server() -> tuple[str, threading.Thread]:
    """A socket server that reads a request's body to its Content-Length and answers 200 with an empty body (PUT),
    or 64 MiB (GET): the client alone, with no server work."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    payload = b"\0" * LARGE

    def answer(conn):
        with conn:
            while True:  # keep-alive: one request after another, as boto3 sends them
                head = b""
                while b"\r\n\r\n" not in head:
                    received = conn.recv(65536)
                    if not received:
                        return
                    head += received
                head, rest = head.split(b"\r\n\r\n", 1)
                if b"expect: 100-continue" in head.lower():  # boto3 waits for it before sending a PutObject body
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                remaining = length - len(rest)
                while remaining > 0:
                    remaining -= len(conn.recv(min(remaining, MIB)))
                size = 0 if head.startswith(b"PUT") else LARGE
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                if size:
                    conn.sendall(payload)

    def serve():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = listener.getsockname()
    return f"http://{host}:{port}/b/k?x=1", thread


def run(seconds: float) -> list[dict]:
    body = os.urandom(LARGE)
    framed = _aws_chunked(body)
    rows = []
    for name in os.environ.get("S3_LARGE_SERVERS", "nimbus,moto").split(","):
        with running(name) as target:
            s3 = target.client("s3")
            bucket = f"large-{name}"
            s3.create_bucket(Bucket=bucket)
            put_url = s3.generate_presigned_url("put_object", {"Bucket": bucket, "Key": "raw"})
            s3.put_object(Bucket=bucket, Key="raw", Body=body)
            get_url = s3.generate_presigned_url("get_object", {"Bucket": bucket, "Key": "raw"})
            row: dict = {"server": name}
            for label, call in (
                ("boto3_put", lambda: s3.put_object(Bucket=bucket, Key="boto", Body=body)),
                ("boto3_get", lambda: s3.get_object(Bucket=bucket, Key="raw")["Body"].read()),
                ("raw_put", lambda: _raw(put_url, "PUT", body)),
                ("raw_get", lambda: _raw(get_url, "GET")),
                ("chunked_put", lambda: _chunked_put(target.endpoint, bucket, framed)),
            ):
                speed, cpu = _measure(call, target.pid, seconds)
                row[f"{label}_MiB_s"] = speed
                row[f"{label}_server_cpu_s"] = cpu
            rows.append(row)
    url, _ = _discarding_server()
    alone = Target("client alone", url.split("/b/", 1)[0], 0, 0.0).client("s3")
    rows.append({"server": "client alone",
                 "boto3_put_MiB_s": _measure(lambda: alone.put_object(Bucket="b", Key="k", Body=body), None, seconds)[0],
                 "boto3_get_MiB_s": _measure(lambda: alone.get_object(Bucket="b", Key="k")["Body"].read(), None,
                                             seconds)[0],
                 "raw_put_MiB_s": _measure(lambda: _raw(url, "PUT", body), None, seconds)[0],
                 "chunked_put_MiB_s": _measure(lambda: _raw(url, "PUT", framed), None, seconds)[0],
                 "raw_get_MiB_s": _measure(lambda: _raw(url, "GET"), None, seconds)[0]})
    return rows


if __name__ == "__main__":
    for result in run(float(os.environ.get("BENCH_SECONDS", "3"))):
        print(result)
