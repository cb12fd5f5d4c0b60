"""A large upload body spooled to a temporary file: hashed and encrypted once, as it arrives.

The MD5 (S3's ETag), the SHA-256 when the signature covers the payload, and any flexible checksum the
request's headers name are computed while the body is still arriving, together with its encryption
(AES-256-CTR under a fresh key of its own) and the write to the spool file, on a worker thread: hashlib,
AES and file writes release the GIL, so the event loop keeps reading the socket on the other core while the
previous megabyte is processed. Whoever reads the spool to its end can take ``digests`` instead of hashing
the same bytes a second time; reads decrypt. A store that keeps the bytes (S3's blobs) can instead ``link``
the file into place and keep ``key`` wrapped under its own: the body is then written once, never copied.

The spool file is unnamed (O_TMPFILE where the file system has it): gone when closed or the process dies,
and never in plaintext on disk.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from nimbus.core.stream_cipher import BLOCK, decryptor_at, encryptor, new_key, new_nonce
from nimbus.core.writeback import start_writeback
from nimbus.protocol.checksums import ALGORITHMS, new_hasher
from nimbus.protocol.parsers.chunk_framing import CHUNK_END, ChunkFraming, ChunkRecord, trailer_algorithms

# Bytes gathered before they go to the worker: a thread hop per uvicorn chunk (64 KiB) would cost more
# than it saves; a megabyte keeps both cores busy and holds little memory per upload.
BATCH = 1024 * 1024
# How far a line read looks ahead at a time (aws-chunked chunk headers are short lines).
_LINE_STEP = 4096

# Separate from the request pool: a spool must not wait behind handlers that wait on the store.
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nimbus-spool")

# The data must be on disk before a link publishes it; the file's timestamps need not be.
_sync = getattr(os, "fdatasync", os.fsync)

_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def spool_file(directory: str | None):
    """A read-write temporary file in ``directory`` that has no name, but can be given one (``link``)."""
    try:
        fd = os.open(directory or tempfile.gettempdir(), os.O_TMPFILE | os.O_RDWR, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here: a file unlinked at once (it cannot be linked)
        return tempfile.TemporaryFile(dir=directory)
    return os.fdopen(fd, "w+b")


def digests_wanted(headers, query_string: str, decoded: bool = False) -> set[str]:
    """What to compute as the body arrives: the MD5, the SHA-256 unless the signature leaves the payload
    unsigned (UNSIGNED-PAYLOAD, streaming kinds, a pre-signed URL), and the checksums the headers name (and,
    for an aws-chunked body ``decoded`` as it arrives, those its trailer will carry)."""
    wanted = {"MD5"}
    claimed = headers.get("x-amz-content-sha256")
    presigned = "Signature=" in query_string
    if (claimed is None and not presigned) or (claimed is not None and _SHA256_HEX.fullmatch(claimed)):
        wanted.add("SHA256")
    wanted.update(alg for alg in ALGORITHMS if f"x-amz-checksum-{alg.lower()}" in headers)
    algorithm = (headers.get("x-amz-sdk-checksum-algorithm") or "").upper()
    if algorithm in ALGORITHMS:
        wanted.add(algorithm)
    if decoded:
        wanted.update(alg for alg in trailer_algorithms(headers.get("x-amz-trailer") or "") if alg in ALGORITHMS)
    return wanted


class SpooledBody:
    """File-like over the spool's plaintext (read, readline, seek, tell, close...), plus ``digests`` of every
    byte written (``{"MD5": ..., "SHA256": ..., "CRC32": ...}``: those ``wanted``), set once the body has
    fully arrived; ``key`` and ``nonce`` are what the file is encrypted with, ``size`` its length.

    With ``framing`` (an aws-chunked body), what is spooled, hashed and counted is the decoded data, and each
    signed chunk's SHA-256 is taken on the way (parsers/chunk_framing.py checks them when the body is read)."""

    def __init__(self, file, wanted: set[str] | None = None, framing: ChunkFraming | None = None):
        self._file = file
        self.framing = framing
        self._chunk: ChunkRecord | None = None
        self._chunk_sha256: Any = None  # the SHA-256 of the signed chunk in progress
        self.key, self.nonce = new_key(), new_nonce()
        self._cipher = encryptor(self.key, self.nonce)
        wanted = wanted or {"MD5", "SHA256"}
        # The MD5 (the slowest: it cannot be parallel within) runs beside the rest, on the other worker.
        self._md5 = hashlib.md5() if "MD5" in wanted else None
        self._hashers = {name: new_hasher(name) for name in sorted(wanted - {"MD5"})}
        self._out = bytearray()  # the worker's ciphertext buffer, reused batch after batch
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._writing: Future | None = None
        self._hashing: Future | None = None
        self._reader, self._reader_at = None, -1
        self.size = 0
        self._written = 0  # bytes written to the file by the worker
        self.digests: dict[str, bytes] | None = None

    def __getattr__(self, name):
        return getattr(self._file, name)

    def _take_md5(self, chunks: list) -> None:
        for chunk in chunks:
            if type(chunk) is memoryview or type(chunk) is bytes:
                self._md5.update(chunk)  # type: ignore[union-attr]

    def _absorb(self, chunks: list[bytes], total: int) -> None:
        """Hash each chunk where it lies and encrypt it into one buffer: one write, no joined copy."""
        if len(self._out) < total + BLOCK:
            self._out = bytearray(total + BLOCK)
        out, at = memoryview(self._out), 0
        for chunk in chunks:
            if type(chunk) is ChunkRecord or chunk is CHUNK_END:
                self._mark(chunk)
                continue
            if self._chunk_sha256 is not None:
                self._chunk_sha256.update(chunk)
            for hasher in self._hashers.values():
                hasher.update(chunk)
            at += self._cipher.update_into(chunk, out[at:])
        self._file.write(out[:at])
        self._file.flush()
        start_writeback(self._file.fileno(), self._written, at)  # so the final fdatasync has little to wait for
        self._written += at

    def _mark(self, marker) -> None:
        """A chunk starts (hashed if it is signed) or ends (its hash kept with it)."""
        if marker is CHUNK_END:
            if self._chunk_sha256 is not None:
                self._chunk.sha256 = self._chunk_sha256.hexdigest()  # type: ignore[union-attr]
            self._chunk = self._chunk_sha256 = None
        else:
            self._chunk = marker
            self._chunk_sha256 = hashlib.sha256() if marker.signature is not None else None

    async def _drain(self) -> None:
        for running in (self._writing, self._hashing):
            if running is not None:
                await asyncio.wrap_future(running)
        self._writing = self._hashing = None

    async def add(self, chunk: bytes) -> None:
        """Take the next chunk; at most one batch is in the worker's hands while the next one gathers."""
        if self.framing is None:
            self._pending.append(chunk)
            self._pending_size += len(chunk)
        else:
            for piece in self.framing.feed(chunk):
                self._pending.append(piece)
                if type(piece) is memoryview:
                    self._pending_size += len(piece)
        if self._pending_size >= BATCH:
            await self._hand_over()

    async def _hand_over(self) -> None:
        chunks, total = self._pending, self._pending_size
        self._pending, self._pending_size = [], 0
        self.size += total
        await self._drain()  # in order: the previous batch is hashed and written first
        self._writing = _WORKERS.submit(self._absorb, chunks, total)
        if self._md5 is not None:
            self._hashing = _WORKERS.submit(self._take_md5, chunks)

    async def finish(self) -> str | None:
        """Everything written and hashed; the file rewound. Returns the SHA-256 as hex, if it was wanted."""
        if self.framing is not None:
            self.framing.end()
        if self._pending:
            await self._hand_over()
        await self._drain()
        self._file.flush()
        self._file.seek(0)
        self.digests = {name: hasher.digest() for name, hasher in self._hashers.items()}
        if self._md5 is not None:
            self.digests["MD5"] = self._md5.digest()
        if self.framing is not None:
            self.framing.digests = self.digests
        return self.digests["SHA256"].hex() if "SHA256" in self.digests else None

    def read(self, size: int | None = -1) -> bytes:
        position = self._file.tell()
        data = self._file.read(size)
        reader = self._reader
        if reader is None or self._reader_at != position:  # a seek since the last read
            reader = self._reader = decryptor_at(self.key, self.nonce, position)
        self._reader_at = position + len(data)
        return reader.update(data)

    def readline(self, limit: int | None = -1) -> bytes:
        line = b""
        while limit is None or limit < 0 or len(line) < limit:
            step = _LINE_STEP if limit is None or limit < 0 else min(_LINE_STEP, limit - len(line))
            data = self.read(step)
            end = data.find(b"\n")
            if end >= 0:
                self._file.seek(end + 1 - len(data), os.SEEK_CUR)  # give back what follows the line
                return line + data[:end + 1]
            line += data
            if len(data) < step:
                break
        return line

    def link(self, path: str) -> bool:
        """Give the (flushed, synced) spool file the name ``path``; False where it cannot be linked."""
        try:
            _sync(self._file.fileno())
            # linkat(AT_SYMLINK_FOLLOW) on the descriptor's /proc entry: the way to name an O_TMPFILE file.
            # os.link calls plain link(), which would not follow it, unless it is given a directory descriptor.
            descriptors = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.link(str(self._file.fileno()), path, src_dir_fd=descriptors, follow_symlinks=True)
            finally:
                os.close(descriptors)
        except OSError:
            return False
        return True

    def abandon(self) -> None:
        """The body was refused midway: close the file once the worker is done with it."""
        if self._writing is not None and not self._writing.done():
            self._writing.add_done_callback(lambda _: self._file.close())
        else:
            self._file.close()
