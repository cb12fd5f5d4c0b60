"""What each process of ``nimbus serve --workers 2`` spends on a call, by who answered it: the primary's CPU per call
it answers itself, the front worker's per call it answers, and the primary's serial share of a call the worker
answered (receiving its records, CloudTrail's event history, the store write). These three figures are what an
Amdahl estimate for more cores rests on (docs/performance.md, "On paper: 16 cores").

The kernel spreads connections over the processes' sockets (SO_REUSEPORT), so a client cannot choose whom it
talks to; it can see it. Connections are opened until enough have landed on each process (the server's end of
each is found in /proc/net/tcp and in the processes' open files), the others are closed, and the pre-signed
request is then sent only on one process's connections while /proc gives every process's CPU time.

``python -m benchmarks.serial_share [seconds]``: a table for GetCallerIdentity, Encrypt 64 B and GetObject 4 KiB.
"""
from __future__ import annotations

import http.client
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from benchmarks.bench_request_path import _requests
from benchmarks.harness import Target, running
from benchmarks.load import RawRequest
from benchmarks.wrk_load import own_cpu, server_pids

OPERATIONS = ("GetCallerIdentity", "Encrypt_64B", "GetObject_4KiB")
PER_PROCESS = 8  # connections kept on each process
_TRIES = 400


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_ends(port: int) -> dict[int, str]:
    """The inode of the server's end of each established connection to ``port``, by the client's port."""
    ends = {}
    with open("/proc/net/tcp") as table:
        for line in list(table)[1:]:
            fields = line.split()
            local_port, remote_port = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
            if local_port == port and fields[3] == "01":
                ends[remote_port] = fields[9]
    return ends


def connections_by_process(endpoint: str, pids: list[int]) -> dict[int, list[http.client.HTTPConnection]]:
    """``PER_PROCESS`` open keep-alive connections accepted by each of ``pids``."""
    url = urlparse(endpoint)
    kept: dict[int, list[http.client.HTTPConnection]] = {pid: [] for pid in pids}
    for _ in range(_TRIES):
        if all(len(held) >= PER_PROCESS for held in kept.values()):
            return kept
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        connection.connect()
        connection.request("GET", "/_nimbus/health")
        connection.getresponse().read()  # answered, so accepted: its server end is in a process's files
        client_port = connection.sock.getsockname()[1]
        inode = _server_ends(url.port or 80).get(client_port)
        owner = next((pid for pid in pids if inode in _socket_inodes(pid)), None)
        if owner is not None and len(kept[owner]) < PER_PROCESS:
            kept[owner].append(connection)
        else:
            connection.close()
    raise RuntimeError(f"the kernel gave {PER_PROCESS} connections to not every process in {_TRIES} tries")


def _drive(connections: list[http.client.HTTPConnection], request: RawRequest, seconds: float) -> int:
    counts = [0] * len(connections)
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = connections[index]
        while time.perf_counter() < stop:
            connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{request.method} {request.path} answered {response.status}")
            counts[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(connections))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


@contextmanager
def worker_pair() -> Iterator[tuple[Target, int, int, dict[int, list[http.client.HTTPConnection]]]]:
    """``nimbus serve --workers 2``: its target, the primary's and the worker's pids, and connections each accepted."""
    with running("nimbus", settings={"NIMBUS_WORKERS": "2"}) as target:
        deadline = time.monotonic() + 30
        while len(pids := server_pids(target.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        primary, worker = pids[0], pids[1]
        time.sleep(1)  # the worker listening
        held = connections_by_process(target.endpoint, [primary, worker])
        try:
            yield target, primary, worker, held
        finally:
            for connections in held.values():
                for connection in connections:
                    connection.close()


def measure(seconds: float) -> list[dict]:
    rows = []
    with worker_pair() as (target, primary, worker, held):
        requests = _requests(target)
        for operation in OPERATIONS:
            row: dict = {"operation": operation}
            for answering, label in ((primary, "primary"), (worker, "worker")):
                before = [own_cpu(primary), own_cpu(worker)]
                calls = _drive(held[answering], requests[operation], seconds)
                primary_ms, worker_ms = (1000 * (own_cpu(pid) - was) / calls
                                         for pid, was in zip((primary, worker), before, strict=True))
                if label == "primary":
                    row["primary_answers_primary_ms"] = primary_ms
                else:
                    row["worker_answers_worker_ms"] = worker_ms
                    row["worker_answers_primary_ms"] = primary_ms  # the serial share
            rows.append(row)
    return rows


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| operation | primary answers: its CPU ms/call | worker answers: worker ms/call | primary ms/call (serial) |")
    print("|---|---|---|---|")
    for row in measure(seconds):
        print(f"| {row['operation']} | {row['primary_answers_primary_ms']:.3f} | {row['worker_answers_worker_ms']:.3f} "
              f"| {row['worker_answers_primary_ms']:.3f} |")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
