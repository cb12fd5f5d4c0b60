"""A separate process on a contract test's store: ``python -m tests.store_contract.worker
<data_dir|-> <url|-> write|count|keys <n>``.

``write``: puts keys ``k00000``, ``k00001``... and prints each key once its put returned (the
acknowledgement a killed process must not lose). ``count``: adds 1 to a counter n times, each in
a transaction, then prints ``done``. ``keys``: prints the keys it finds (n is ignored).
"""
from __future__ import annotations

import os
import sys

from nimbus.store import open_store

NS = ("contract", "worker")
# Where ``python -m tests.store_contract.worker`` (and ``python -m nimbus.cli``) run from.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(data_dir: str, url: str, mode: str, times: str) -> None:
    store = open_store(None if data_dir == "-" else data_dir, url=None if url == "-" else url)
    if mode == "keys":
        for key, _ in store.scan(NS):
            print(key, flush=True)
    elif mode == "write":
        for index in range(int(times)):
            key = f"k{index:05d}"
            store.put(NS, key, {"index": index})
            print(key, flush=True)
    else:
        for _ in range(int(times)):
            with store.transaction():
                store.put(NS, "counter", (store.get(NS, "counter") or 0) + 1)
    print("done", flush=True)
    store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
