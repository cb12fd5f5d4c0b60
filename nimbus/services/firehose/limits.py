"""DirectPut throughput quotas, enforced per record with --enforce-limits (off by default).

AWS's default quotas per delivery stream: 5 MiB/s, 500,000 records/s and 2,000 requests/s in us-east-1,
us-west-2 and eu-west-1; 1 MiB/s, 100,000 records/s and 1,000 requests/s elsewhere. A record over the
quota fails alone in PutRecordBatch with ServiceUnavailableException ("Slow down."), as in AWS; a
PutRecord over it fails whole. Throughput is real (not virtual) time: it is about how fast a client sends.
"""
from __future__ import annotations

import collections
import threading
import time

from nimbus.services.firehose.common import MIB

BIG_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
WINDOW = 1.0


def quotas(region: str) -> tuple[int, int, int]:
    """(bytes, records, requests) per second."""
    return (5 * MIB, 500_000, 2_000) if region in BIG_REGIONS else (MIB, 100_000, 1_000)


class Throttle:
    def __init__(self):
        self._lock = threading.Lock()
        # stream -> deque of (time, bytes, records) accepted within the window
        self._seen: dict[tuple[str, str, str], collections.deque] = {}

    def admit(self, ident: tuple[str, str, str], sizes: list[int]) -> list[bool]:
        """Which records of one request fit the stream's quotas (in order)."""
        max_bytes, max_records, max_requests = quotas(ident[1])
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(ident, collections.deque())
            while seen and seen[0][0] <= now - WINDOW:
                seen.popleft()
            used_bytes = sum(entry[1] for entry in seen)
            used_records = sum(entry[2] for entry in seen)
            if len(seen) >= max_requests:
                return [False] * len(sizes)
            admitted = []
            for size in sizes:
                ok = used_bytes + size <= max_bytes and used_records + 1 <= max_records
                if ok:
                    used_bytes += size
                    used_records += 1
                admitted.append(ok)
            seen.append((now, sum(s for s, ok in zip(sizes, admitted) if ok), sum(admitted)))
            return admitted
