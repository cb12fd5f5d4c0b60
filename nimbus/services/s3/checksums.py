"""The checksums S3 computes over object data: MD5 (the ETag) and the flexible checksums."""
from __future__ import annotations

import base64
import hashlib
import zlib

import crc32c as _crc32c

from nimbus.protocol.errors import ServiceError

ALGORITHMS = ("CRC32", "CRC32C", "SHA1", "SHA256")


class _Crc:
    def __init__(self, function):
        self.function, self.value = function, 0

    def update(self, data) -> None:
        self.value = self.function(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


def new_hasher(algorithm: str):
    if algorithm == "CRC32":
        return _Crc(zlib.crc32)
    if algorithm == "CRC32C":
        return _Crc(_crc32c.crc32c)
    if algorithm == "SHA1":
        return hashlib.sha1()
    if algorithm == "SHA256":
        return hashlib.sha256()
    raise ServiceError("InvalidRequest", f"Checksum algorithm {algorithm} is not supported by nimbus.", status=400)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def combine_part_checksums(algorithm: str, part_values: list[str]) -> str:
    """A multipart object's checksum: the checksum of the parts' checksums, then ``-N``."""
    hasher = new_hasher(algorithm)
    for value in part_values:
        hasher.update(base64.b64decode(value))
    return f"{b64(hasher.digest())}-{len(part_values)}"


def check_content_md5(claimed: str, md5_digest: bytes) -> None:
    try:
        raw = base64.b64decode(claimed, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 16:
        raise ServiceError("InvalidDigest", "The Content-MD5 you specified was invalid.", status=400)
    if raw != md5_digest:
        raise ServiceError("BadDigest", "The Content-MD5 you specified did not match what we received.", status=400)


def check_flexible(algorithm: str, claimed: str, actual: str) -> None:
    if claimed != actual:
        raise ServiceError("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.",
                           status=400)
