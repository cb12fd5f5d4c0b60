"""AWS's flexible checksums (``x-amz-checksum-*``), which any operation's body may carry: in a header, or in
an aws-chunked trailer that the protocol layer checks while it decodes the body."""
from __future__ import annotations

import base64
import hashlib
import zlib

import crc32c as _crc32c
from awscrt import checksums as _crt_checksums

from nimbus.protocol.errors import ServiceError

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")


class _Crc:
    def __init__(self, function, size: int = 4):
        self.function, self.value, self.size = function, 0, size

    def update(self, data) -> None:
        self.value = self.function(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(self.size, "big")


def new_hasher(algorithm: str):
    if algorithm == "CRC32":
        return _Crc(zlib.crc32)
    if algorithm == "CRC32C":
        return _Crc(_crc32c.crc32c)
    if algorithm == "CRC64NVME":
        return _Crc(lambda data, previous: _crt_checksums.crc64nvme(bytes(data), previous), size=8)
    if algorithm == "SHA1":
        return hashlib.sha1()
    if algorithm == "SHA256":
        return hashlib.sha256()
    raise ServiceError("InvalidRequest", f"Checksum algorithm {algorithm} is not supported by nimbus.", status=400)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def check_flexible(algorithm: str, claimed: str, actual: str) -> None:
    if claimed != actual:
        raise ServiceError("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.",
                           status=400)
