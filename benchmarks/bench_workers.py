"""``--workers``: server capacity on small calls (STS GetCallerIdentity, KMS Encrypt 64 B, S3 GetObject 4 KiB) with
raw concurrent clients, nimbus with 2 processes (a primary and a front worker) against nimbus with 1, and moto.

The load is wrk's (``wrk_load.py``: the same pre-signed requests, 16 connections, from one C thread that leaves the
cores to the server; ``load.py``'s Python clients only when wrk is missing). The server's CPU per call counts the
primary and its workers; ``_primary_cpu_ms_per_call`` is the primary's own part (its serial share when workers
answer), and ``_client_cpu_share`` is wrk's CPU as a share of the machine's cores.
``WORKERS_BENCH=2`` sets the larger count; ``WORKERS_BENCH_SERVERS=nimbus,nimbus-1-worker`` leaves moto out.
"""
from __future__ import annotations

import os

from benchmarks.bench_request_path import _requests
from benchmarks.harness import running
from benchmarks.wrk_load import measure

OPERATIONS = ("GetCallerIdentity", "Encrypt_64B", "GetObject_4KiB")
WORKERS = int(os.environ.get("WORKERS_BENCH", "2"))
SERVERS = os.environ.get("WORKERS_BENCH_SERVERS", "nimbus,nimbus-1-worker,moto").split(",")


def _row(name: str, engine: str, workers: int, seconds: float) -> dict:
    with running(engine, settings={"NIMBUS_WORKERS": str(workers)}) as target:
        requests = _requests(target)
        row: dict = {"server": name}
        for operation in OPERATIONS:
            measured = measure(target.endpoint, target.pid, requests[operation], seconds)
            row[f"{operation}_per_s"] = measured.per_s
            row[f"{operation}_cpu_ms_per_call"] = measured.cpu_ms_per_call
            row[f"{operation}_primary_cpu_ms_per_call"] = (measured.per_process_cpu_ms or (None,))[0]
            row[f"{operation}_client_cpu_share"] = measured.client_cpu_share
        return row


def run(seconds: float) -> list[dict]:
    # "nimbus" is the row the report compares every other against: the one with workers.
    plan = {"nimbus": ("nimbus", WORKERS), "nimbus-1-worker": ("nimbus", 1), "moto": ("moto", 1)}
    return [_row(name, *plan[name], seconds) for name in SERVERS]
