"""Object bytes on disk: each blob is a file named by a random id, never by the object key.

A key such as ``../../x``, an absolute path, odd unicode or a NUL never reaches the file
system, so nothing can escape ``<data_dir>/s3``. Writes go to a temporary file that is
fsynced and renamed into place, so a blob is either whole or absent. An object is a list
of segments (one per multipart part), so completing an upload moves no bytes.

A segment is encrypted under its object's key (SSE-S3's, or an SSE-KMS data key), or, when it has a ``key``,
under a blob key of its own that ``key`` holds wrapped under the object's: an upload the gateway encrypted
under a fresh key as it arrived is linked into place as it is (``adopt``), its bytes written once.
"""
from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from nimbus.core.needs_thread import NeedsThread
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import crypto

CHUNK = 1024 * 1024
_HEX_DIGITS = frozenset("0123456789abcdef")
_NOWAIT = getattr(os, "RWF_NOWAIT", None)
MAX_OBJECT = 5 * 1024 ** 3


# The data must be on disk before the rename publishes it; the file's timestamps need not be.
_sync = getattr(os, "fdatasync", os.fsync)


# Unlinking a large file that is on disk frees its extents: about 18 ms for 64 MiB here, on the request thread of
# every overwrite. Such a blob is renamed into tmp/ instead (a directory entry) and unlinked there by a thread of
# its own; a kill -9 before that leaves it to the sweep of tmp/ at the next start.
UNLINK_LATER = 8 * 1024 * 1024
_UNLINKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nimbus-s3-unlink")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _pread_cached(descriptor: int, size: int, offset: int) -> bytes:
    """``os.pread`` of what the page cache holds (RWF_NOWAIT); NeedsThread where the disk would be read, or where
    the data dir's file system does not take the flag (EOPNOTSUPP: overlay and FUSE file systems on some kernels).
    Where the flag does not exist (not Linux), a plain pread."""
    if _NOWAIT is None:
        return os.pread(descriptor, size, offset)
    buffer = bytearray(size)
    try:
        got = os.preadv(descriptor, [buffer], offset, _NOWAIT)
    except BlockingIOError:
        raise NeedsThread("a blob not in the page cache") from None
    except OSError as error:
        if error.errno != errno.EOPNOTSUPP:
            raise
        raise NeedsThread("a file system that cannot read without waiting") from None
    del buffer[got:]
    return bytes(buffer)


def _too_large() -> ServiceError:
    return ServiceError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.", status=400)


class Written:
    """What writing a stream produced: the segment to keep and the digests of the plaintext."""

    def __init__(self, segment: dict, md5: bytes, checksums: dict[str, bytes]):
        self.segment, self.md5, self.checksums = segment, md5, checksums

    @property
    def size(self) -> int:
        return self.segment["size"]


class _Known:
    """A digest already computed: stands in for its hasher, ignoring the bytes it is shown again."""

    def __init__(self, digest: bytes):
        self._digest = digest

    def update(self, _data) -> None:
        pass

    def digest(self) -> bytes:
        return self._digest


class BlobStore:
    def __init__(self, data_dir: str | None):
        self._temporary = data_dir is None
        self.root = tempfile.mkdtemp(prefix="nimbus-s3-") if data_dir is None else os.path.join(data_dir, "s3")
        self.blobs = os.path.join(self.root, "blobs")
        self.tmp = os.path.join(self.root, "tmp")
        os.makedirs(self.blobs, exist_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)  # leftovers of writes cut short by a crash
        os.makedirs(self.tmp, exist_ok=True)
        self.key = crypto.load_master_key(None if self._temporary else self.root)

    def _path(self, blob_id: str) -> str:
        # Ids are hex made here; checked anyway so a corrupt record cannot point outside.
        if len(blob_id) != 32 or not _HEX_DIGITS.issuperset(blob_id):
            raise ValueError("bad blob id")
        return os.path.join(self.blobs, blob_id[:2], blob_id)

    def write(self, stream, hashers: dict | None = None, limit: int = MAX_OBJECT, key: bytes | None = None,
              known: dict[str, bytes] | None = None) -> Written:
        """Encrypt ``stream`` into a new blob; ``hashers`` (name -> hasher) see the plaintext.
        ``key``: an SSE-KMS object's data key (else the SSE-S3 key). ``known``: digests of the whole stream
        already computed as it arrived (name -> digest, "MD5" included): those are not computed again."""
        known = known or {}
        results = {name: known[name] for name in hashers or {} if name in known}
        hashers = {name: hasher for name, hasher in (hashers or {}).items() if name not in known}
        blob_id = secrets.token_hex(16)
        nonce = crypto.new_nonce()
        cipher = crypto.encryptor(key or self.key, nonce)
        md5 = _Known(known["MD5"]) if "MD5" in known else hashlib.md5()
        temp = os.path.join(self.tmp, blob_id)
        size = 0
        try:
            with open(temp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _too_large()
                    md5.update(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                    out.write(cipher.update(chunk))
                out.write(cipher.finalize())
                out.flush()
                _sync(out.fileno())
            final = self._path(blob_id)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.replace(temp, final)
        except BaseException:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            raise
        segment = {"id": blob_id, "size": size, "nonce": nonce.hex()}
        return Written(segment, md5.digest(), {**results, **{name: h.digest() for name, h in hashers.items()}})

    def adopt(self, spool, digests: dict[str, bytes], key: bytes | None = None) -> Written | None:
        """Keep an upload's spool (gateway/spool.py), already encrypted under its own key, as a new blob by
        linking it into place; ``digests``: what it computed of the body as it arrived (MD5 included). None
        where the spool cannot be linked (the caller then writes the blob from its plaintext)."""
        if spool.size > MAX_OBJECT:
            raise _too_large()
        blob_id = secrets.token_hex(16)
        final = self._path(blob_id)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        if not spool.link(final):
            return None
        segment = {"id": blob_id, "size": spool.size, "nonce": spool.nonce.hex(),
                   "key": crypto.wrap_key(key or self.key, spool.key).hex()}
        return Written(segment, digests["MD5"], {name: value for name, value in digests.items() if name != "MD5"})

    def read(self, segments: list[dict], start: int = 0, end: int | None = None,
             key: bytes | None = None, cached_only: bool = False) -> Iterator[bytes]:
        """Decrypted bytes ``start``..``end`` (inclusive) of the object made of ``segments``. ``cached_only``
        (on the event loop): bytes not in the page cache raise NeedsThread rather than wait for the disk."""
        pread = _pread_cached if cached_only else os.pread
        total = sum(s["size"] for s in segments)
        end = total - 1 if end is None else end
        offset = 0
        for segment in segments:
            seg_start, seg_end = offset, offset + segment["size"] - 1
            offset += segment["size"]
            if seg_end < start or seg_start > end or segment["size"] == 0:
                continue
            local = max(start, seg_start) - seg_start
            remaining = min(end, seg_end) - seg_start - local + 1
            cipher = crypto.decryptor_at(self._segment_key(segment, key), bytes.fromhex(segment["nonce"]), local)
            # pread on a bare descriptor: open() builds a buffered file object, three times the cost of a 4 KiB read.
            descriptor = os.open(self._path(segment["id"]), os.O_RDONLY)
            try:
                while remaining > 0:
                    data = pread(descriptor, min(CHUNK, remaining), local)
                    if not data:
                        raise OSError(f"blob {segment['id']} is shorter than recorded")
                    local += len(data)
                    remaining -= len(data)
                    yield cipher.update(data)
            finally:
                os.close(descriptor)

    def _segment_key(self, segment: dict, key: bytes | None) -> bytes:
        """What a segment's bytes are encrypted under (``key``: its object's SSE-KMS data key, else SSE-S3's)."""
        wrapped = segment.get("key")
        return crypto.unwrap_key(key or self.key, bytes.fromhex(wrapped)) if wrapped else key or self.key

    def delete(self, segments: list[dict]) -> None:
        for segment in segments:
            path = self._path(segment["id"])
            if segment.get("size", 0) < UNLINK_LATER:
                _unlink(path)
                continue
            parked = os.path.join(self.tmp, f"deleted-{segment['id']}")
            try:
                os.rename(path, parked)
            except FileNotFoundError:
                continue
            _UNLINKER.submit(_unlink, parked)

    def close(self) -> None:
        if self._temporary:
            shutil.rmtree(self.root, ignore_errors=True)
