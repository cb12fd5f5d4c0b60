"""Processes: what a killed process acknowledged is there for the next one, and transactions stay
exact when several processes share one store."""
from __future__ import annotations

import signal
import subprocess
import sys

from tests.store_contract.worker import NS, ROOT


def _worker(backend, mode: str, times: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.store_contract.worker", *backend.argv(), mode, str(times)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_acknowledged_writes_survive_kill_9(durable_backend):
    writer = _worker(durable_backend, "write", 1_000_000)
    acknowledged = []
    try:
        while len(acknowledged) < 300:
            line = writer.stdout.readline()
            assert line, writer.stderr.read()
            acknowledged.append(line.strip())
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    reader = durable_backend.open()
    stored = dict(reader.scan(NS))
    reader.close()
    assert set(acknowledged) <= set(stored)
    assert all(stored[key] == {"index": int(key[1:])} for key in acknowledged)


def test_transactions_stay_exact_across_processes(durable_backend):
    store = durable_backend.open()
    workers = [_worker(durable_backend, "count", 40) for _ in range(2)]
    try:
        for _ in range(40):
            with store.transaction():
                store.put(NS, "counter", (store.get(NS, "counter") or 0) + 1)
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0 and out.strip() == "done", err
        assert store.get(NS, "counter") == 120
    finally:
        for worker in workers:
            worker.kill()
        store.close()


def test_each_process_sees_the_others_writes(durable_backend):
    store = durable_backend.open()
    store.put(NS, "from-the-test", 1)
    for mode, expected in [("keys", ["from-the-test", "done"]), ("write", ["k00000", "k00001", "done"])]:
        worker = _worker(durable_backend, mode, 2)
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0 and out.split() == expected, err
    assert [key for key, _ in store.scan(NS)] == ["from-the-test", "k00000", "k00001"]
    assert store.namespaces(("contract",)) == [NS]
    store.close()
