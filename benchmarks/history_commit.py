"""What writing event history costs a row, by events per transaction: ``python -m benchmarks.history_commit
[sizes] [events]``.

Rows shaped as ``HistoryWriter`` writes them (falling time keys, records of 0.9 KB) go through ``SqliteStore.put_many``
in a fresh data dir, one transaction per batch, with the store's own checkpoints running; reported: the writing
thread's CPU per row. A commit writes the newest leaf page and the pages above it again whatever it adds, so larger
batches pay that less often (``history.BATCH``). Runs nimbus alone: run it from two checkouts to compare them.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time

from nimbus.services.cloudtrail.history import history_ns, time_key
from nimbus.store.base import EncodedJson
from nimbus.store.sqlite import SqliteStore

RECORD = EncodedJson(json.dumps({"eventVersion": "1.09", "padding": "x" * 860}))


def cpu_per_row(batch: int, events: int) -> float:
    with tempfile.TemporaryDirectory() as data:
        store = SqliteStore.in_dir(data)
        ns = history_ns("000000000000", "us-east-1")
        start_ms, written, spent = 1_765_000_000_000, 0, 0.0
        while written + batch <= events:
            rows = [(ns, time_key(start_ms + (written + i) // 10, (written + i) % 10), RECORD) for i in range(batch)]
            began = time.thread_time()
            store.put_many(rows)
            spent += time.thread_time() - began
            written += batch
        store.close()
        return spent / written * 1e6


def main() -> None:
    sizes = [int(size) for size in (sys.argv[1] if len(sys.argv) > 1 else "100,300,1000").split(",")]
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 60_000
    for size in sizes:
        print(json.dumps({"events_per_transaction": size, "cpu_us_per_row": round(cpu_per_row(size, events), 2)}),
              flush=True)


if __name__ == "__main__":
    main()
