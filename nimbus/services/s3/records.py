"""Object versions in the store: the latest per key, every version, and S3's null-version rules."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator

from nimbus.core.documents import Doc, DocumentKind
from nimbus.store.base import Namespace, Store

_SEQ_LOCK = threading.Lock()
_LAST_SEQ = [0]
_TOP = 1 << 62
SEP = "\x01"


def next_seq() -> int:
    """Strictly increasing across the process and restarts: orders a key's versions, newest first."""
    with _SEQ_LOCK:
        _LAST_SEQ[0] = max(time.time_ns(), _LAST_SEQ[0] + 1)  # ordering only, not behaviour: real time is fine
        return _LAST_SEQ[0]


def version_key(key: str, seq: int) -> str:
    return f"{key}{SEP}{_TOP - seq:019d}"


def new_version_id() -> str:
    return secrets.token_urlsafe(24)


def scan_prefix(store: Store, kind: DocumentKind[Doc], ns: Namespace, prefix: str = "", after: str | None = None,
                batch: int = 8) -> Iterator[tuple[str, Doc]]:
    """Documents whose key starts with ``prefix``, after ``after``, in UTF-8 binary key order.

    Read in batches that start small (a key usually has one or two versions) and double up to 1000. The store
    bounds each batch by the prefix, so a key's one version does not read (and decode) the next keys' too.
    """
    cursor = after
    batch = max(batch // 2, 1)  # a batch of one (MaxKeys=0 asks for one row) still reads
    while True:
        batch = min(batch * 2, 1000)
        rows = kind.scan(store, ns, prefix, start_after=cursor, limit=batch)
        yield from rows
        if len(rows) < batch:
            return
        cursor = rows[-1][0]
