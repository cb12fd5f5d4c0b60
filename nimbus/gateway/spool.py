"""A large upload body spooled to a temporary file, hashed once as it arrives.

The SHA-256 (what the signature's x-amz-content-sha256 is held to) and the MD5 (S3's ETag) are computed
while the body is still arriving, together with the write to the spool file, on a worker thread: hashlib
and file writes release the GIL, so the event loop keeps reading the socket on the other core while the
previous megabyte is hashed. Whoever reads the spool to its end can take ``digests`` instead of hashing
the same bytes a second time.
"""
from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import Future, ThreadPoolExecutor

# Bytes gathered before they go to the worker: a thread hop per uvicorn chunk (64 KiB) would cost more
# than it saves; a megabyte keeps both cores busy and holds little memory per upload.
BATCH = 1024 * 1024

# Separate from the request pool: a spool must not wait behind handlers that wait on the store.
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nimbus-spool")


class SpooledBody:
    """File-like over the spool (read, seek, tell, close...), plus ``digests`` of every byte written:
    ``{"SHA256": ..., "MD5": ...}``, set once the body has fully arrived."""

    def __init__(self, file):
        self._file = file
        self._sha256, self._md5 = hashlib.sha256(), hashlib.md5()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._writing: Future | None = None
        self.digests: dict[str, bytes] | None = None

    def __getattr__(self, name):
        return getattr(self._file, name)

    def _absorb(self, data: bytes) -> None:
        self._sha256.update(data)
        self._md5.update(data)
        self._file.write(data)

    async def _drain(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            await asyncio.wrap_future(writing)

    async def add(self, chunk: bytes) -> None:
        """Take the next chunk; at most one batch is in the worker's hands while the next one gathers."""
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= BATCH:
            await self._hand_over()

    async def _hand_over(self) -> None:
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        await self._drain()  # in order: the previous batch is hashed and written first
        self._writing = _WORKERS.submit(self._absorb, data)

    async def finish(self) -> str:
        """Everything written and hashed; the file rewound. Returns the SHA-256 as hex."""
        if self._pending:
            await self._hand_over()
        await self._drain()
        self._file.flush()
        self._file.seek(0)
        self.digests = {"SHA256": self._sha256.digest(), "MD5": self._md5.digest()}
        return self.digests["SHA256"].hex()

    def abandon(self) -> None:
        """The body was refused midway: close the file once the worker is done with it."""
        if self._writing is not None and not self._writing.done():
            self._writing.add_done_callback(lambda _: self._file.close())
        else:
            self._file.close()
