"""Fill a bucket with a million objects fast, for benchmarks: a million PutObject calls would take most of an
hour here. A server of the data dir makes the bucket and one seed object; with no server running, the seed's
documents (its current object and its version) are then copied under ``count`` new keys, all naming the seed's
stored segment, in batched store transactions. The copies read, list and head as real objects (their bodies
are the seed's). Run it while no server uses the data dir.
"""
from __future__ import annotations

import json
import time

from nimbus.store.base import EncodedJson
from nimbus.store.sqlite import SqliteStore

SEED = "seed-object"
BATCH = 5000


def loaded_key(number: int) -> str:
    return f"loaded/{number:08d}"


def clone(data_dir: str, bucket: str, count: int) -> float:
    """Copy the bucket's ``SEED`` object under ``loaded_key(0..count-1)``; returns the seconds it took."""
    began = time.perf_counter()
    store = SqliteStore.in_dir(data_dir)
    try:
        templates = [(ns, key, json.dumps(document, separators=(",", ":")))
                     for ns in (("s3", "objects", bucket), ("s3", "versions", bucket))
                     for key, document in store.scan(ns, prefix=SEED)]
        for start in range(0, count, BATCH):
            names = [loaded_key(number) for number in range(start, min(start + BATCH, count))]
            store.put_many([(ns, key.replace(SEED, name, 1), EncodedJson(text.replace(f'"{SEED}"', f'"{name}"')))
                            for name in names for ns, key, text in templates])
    finally:
        store.close()
    return time.perf_counter() - began
