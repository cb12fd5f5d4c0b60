"""S3 data plane: PUT and GET of 4 KiB objects (calls/s) and of 64 MiB objects (MB/s), nimbus vs moto.

The ceiling is the loopback copy rate of the same bytes on this machine: a 4 KiB
request/response ping-pong and a 64 MiB one-way copy over a raw 127.0.0.1 socket.
"""
from __future__ import annotations

import os
import socket
import threading
import time

from benchmarks.harness import rate, running

SMALL = 4 * 1024
LARGE = 64 * 1024 * 1024
MB = 1024 * 1024


def _mb_per_s(call, size: int, seconds: float) -> float:
    call()  # warm-up
    count, start = 0, time.perf_counter()
    while count < 2 or time.perf_counter() - start < seconds:
        call()
        count += 1
    return count * size / MB / (time.perf_counter() - start)


def _serve_loopback(server: socket.socket, reply: int) -> None:
    conn, _ = server.accept()
    with conn:
        while True:
            header = conn.recv(8, socket.MSG_WAITALL)
            if len(header) < 8:
                return
            size = int.from_bytes(header, "big")
            remaining = size
            while remaining:
                chunk = conn.recv(min(remaining, MB))
                if not chunk:
                    return
                remaining -= len(chunk)
            conn.sendall(b"x" * reply)


def loopback(seconds: float) -> dict:
    """Raw socket rates over 127.0.0.1: what any HTTP server on this machine could approach at best."""
    results = {}
    for name, size, reply in (("small", SMALL, SMALL), ("large", LARGE, 1)):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        thread = threading.Thread(target=_serve_loopback, args=(server, reply), daemon=True)
        thread.start()
        client = socket.create_connection(server.getsockname())
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        payload = size.to_bytes(8, "big") + os.urandom(size)

        def exchange():
            client.sendall(payload)
            client.recv(reply, socket.MSG_WAITALL)

        if name == "small":
            results["small_per_s"] = rate(exchange, seconds)
        else:
            results["large_mb_s"] = _mb_per_s(exchange, size, seconds)
        client.close()
        thread.join(timeout=5)
        server.close()
    return results


def run(seconds: float) -> list[dict]:
    small, large = os.urandom(SMALL), os.urandom(LARGE)
    rows = []
    for name in ("nimbus", "moto"):
        with running(name) as target:
            s3 = target.client("s3")
            bucket = f"bench-{name}"
            s3.create_bucket(Bucket=bucket)
            counter = iter(range(10 ** 9))
            rows.append({
                "server": name,
                "put_4KiB_per_s": rate(lambda: s3.put_object(Bucket=bucket, Key=f"s/{next(counter)}", Body=small),
                                       seconds),
                "get_4KiB_per_s": rate(lambda: s3.get_object(Bucket=bucket, Key="s/0")["Body"].read(), seconds),
                "put_64MiB_MB_per_s": _mb_per_s(lambda: s3.put_object(Bucket=bucket, Key="large", Body=large),
                                                LARGE, seconds),
                "get_64MiB_MB_per_s": _mb_per_s(lambda: s3.get_object(Bucket=bucket, Key="large")["Body"].read(),
                                                LARGE, seconds),
            })
    ceiling = loopback(seconds)
    rows.append({"server": "loopback", "put_4KiB_per_s": ceiling["small_per_s"],
                 "get_4KiB_per_s": ceiling["small_per_s"], "put_64MiB_MB_per_s": ceiling["large_mb_s"],
                 "get_64MiB_MB_per_s": ceiling["large_mb_s"]})
    return rows
