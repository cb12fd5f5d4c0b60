"""Taking an upload body in: stream it to a blob, then hold it to the digests the client sent."""
from __future__ import annotations

import io

from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import checksums
from nimbus.services.s3.storage import BlobStore, Written

_PARAM = {alg: f"Checksum{alg}" for alg in checksums.ALGORITHMS}


class IterReader:
    """A file-like over an iterator of bytes chunks (copying one object's plaintext into another)."""

    def __init__(self, chunks):
        self._chunks, self._buffer = iter(chunks), b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def as_stream(body):
    if body is None:
        return io.BytesIO(b"")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(body))
    return body


_UNSUPPORTED = ("ChecksumSHA512", "ChecksumMD5", "ChecksumXXHASH64", "ChecksumXXHASH3",
                "ChecksumXXHASH128")


def requested_algorithms(params: dict, headers) -> set[str]:
    for name in _UNSUPPORTED:
        if params.get(name):
            raise ServiceError("InvalidRequest", f"{name[len('Checksum'):]} checksums are not supported by nimbus.",
                               status=400)
    wanted = {alg for alg, name in _PARAM.items() if params.get(name)}
    algorithm = (params.get("ChecksumAlgorithm") or "").upper()
    if algorithm:
        if algorithm not in checksums.ALGORITHMS:
            raise ServiceError("InvalidRequest", f"Checksum algorithm {algorithm} is not supported by nimbus.",
                               status=400)
        wanted.add(algorithm)
    trailer = (headers.get("x-amz-trailer") or "") if headers is not None else ""
    for name in trailer.split(","):
        name = name.strip().lower()
        if name.startswith("x-amz-checksum-"):
            algorithm = name[len("x-amz-checksum-"):].upper()
            if algorithm not in checksums.ALGORITHMS:
                raise ServiceError("InvalidRequest", f"Checksum algorithm {algorithm} is not supported by nimbus.",
                                   status=400)
            wanted.add(algorithm)
    return wanted


def arrival_digests(stream) -> dict[str, bytes] | None:
    """The digests the gateway computed as a spooled upload arrived (MD5, SHA-256, checksums), when ``stream`` is
    that spool unread: the blob write reads it to its end, or keeps it whole, so they are the digests of what
    it stores."""
    digests = getattr(stream, "digests", None)
    if not isinstance(digests, dict) or stream.tell() != 0:
        return None
    return digests


def ingest(blobs: BlobStore, params: dict, body, headers=None, content_length: int | None = None,
           data_key: bytes | None = None) -> tuple[Written, dict]:
    """Write the body; verify Content-MD5 and flexible checksums (headers or aws-chunked trailers).

    Returns the written blob and ``{algorithm: base64 value}``. On any mismatch the blob is
    removed before the error is raised, so a failed upload leaves nothing behind.
    """
    stream = as_stream(body)
    wanted = requested_algorithms(params, headers)
    known = arrival_digests(stream)
    # An upload spooled with every digest this write needs is kept as it was encrypted on arrival.
    adopted = blobs.adopt(stream, known, data_key) if known is not None and wanted <= known.keys() else None
    written = adopted or blobs.write(stream, {alg: checksums.new_hasher(alg) for alg in wanted}, key=data_key,
                                     known=known)
    try:
        if content_length is not None and written.size != content_length:
            raise ServiceError("IncompleteBody", "You did not provide the number of bytes specified by the "
                               "Content-Length HTTP header.", status=400)
        if params.get("ContentMD5"):
            checksums.check_content_md5(params["ContentMD5"], written.md5)
        trailers = getattr(stream, "trailers", {}) or {}
        values = {}
        for alg in wanted:
            actual = checksums.b64(written.checksums[alg])
            claimed = params.get(_PARAM[alg]) or trailers.get(f"x-amz-checksum-{alg.lower()}")
            if claimed:
                checksums.check_flexible(alg, claimed, actual)
            values[alg] = actual
    except BaseException:
        blobs.delete([written.segment])
        raise
    return written, values


def checksum_output(values: dict) -> dict:
    return {_PARAM[alg]: value for alg, value in values.items()}


def object_checksum_output(values: dict) -> dict:
    """An object's checksums with their ``ChecksumType``: COMPOSITE for a multipart checksum of checksums
    (``...-N``), else FULL_OBJECT."""
    output = checksum_output(values)
    if values:
        output["ChecksumType"] = "COMPOSITE" if any("-" in v for v in values.values()) else "FULL_OBJECT"
    return output
