"""Server capacity under concurrent load, and the server's CPU per call.

Requests are signed once (SigV4 headers stay valid for 15 minutes) and sent back to back over keep-alive
HTTP connections from several processes with several threads each, so the client's own overhead stays
small next to the server's. On a machine shared with other work absolute rates are noisy; the server
process's CPU time per answered call (user + system, every thread) is the steadier measure.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PROCESSES = 2
CONNECTIONS_PER_PROCESS = 8
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]


def signed(endpoint: str, service: str, method: str = "POST", path: str = "/", body: bytes = b"",
           headers: dict[str, str] | None = None) -> RawRequest:
    """A request signed as boto3 signs it, for credentials test/test in us-east-1."""
    request = AWSRequest(method=method, url=endpoint + path, data=body, headers=dict(headers or {}))
    auth = S3SigV4Auth if service == "s3" else SigV4Auth
    auth(Credentials("test", "test"), service, "us-east-1").add_auth(request)
    return RawRequest(method, path, body, dict(request.headers.items()))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of process ``pid``, all its threads and its live child processes (granian
    serves from a worker process)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / _TICK
    return total + sum(cpu_seconds(child) for child in live_children(pid))


def live_children(pid: int) -> list[int]:
    """The child processes of ``pid`` now, whichever of its threads started them."""
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                children += [int(child) for child in listed.read().split()]
        except FileNotFoundError:  # a thread that ended since the listing: its children went to another thread
            continue
    return children


def _hammer(endpoint: str, request: RawRequest, seconds: float, connections: int, results) -> None:
    url = urlparse(endpoint)
    counts = [0] * connections
    failures = [0] * connections
    stop = time.perf_counter() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while time.perf_counter() < stop:
            connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = connection.getresponse()
            response.read()
            if response.status < 300:
                counts[index] += 1
            else:
                failures[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((sum(counts), sum(failures)))


@dataclass(frozen=True)
class Capacity:
    per_s: float
    cpu_ms_per_call: float


def capacity(endpoint: str, pid: int, request: RawRequest, seconds: float, processes: int = PROCESSES,
             connections: int = CONNECTIONS_PER_PROCESS) -> Capacity:
    """Answered calls per second with ``processes`` × ``connections`` clients, and the server's CPU per call."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_hammer, args=(endpoint, request, seconds, connections, results))
               for _ in range(processes)]
    cpu_before, start = cpu_seconds(pid), time.perf_counter()
    for process in workers:
        process.start()
    totals = [results.get() for _ in workers]
    cpu = cpu_seconds(pid) - cpu_before
    for process in workers:
        process.join()
    elapsed = time.perf_counter() - start
    done, failed = sum(t[0] for t in totals), sum(t[1] for t in totals)
    if failed:
        raise RuntimeError(f"{failed} of {done + failed} {request.method} {request.path} requests failed under load")
    # Process start-up is part of elapsed; the workers themselves ran for `seconds`.
    return Capacity(done / min(elapsed, seconds), 1000 * cpu / max(done, 1))
