"""The checksums S3 computes over object data: MD5 (the ETag) and the flexible checksums."""
from __future__ import annotations

import base64

from awscrt import checksums as crt_checksums

from nimbus.protocol.checksums import ALGORITHMS, b64, check_flexible, new_hasher
from nimbus.protocol.errors import ServiceError

__all__ = ["ALGORITHMS", "b64", "check_content_md5", "check_flexible", "combine_part_checksums", "new_hasher"]


def combine_part_checksums(algorithm: str, part_values: list[str], part_sizes: list[int]) -> str:
    """A multipart object's checksum: the checksum of the parts' checksums, then ``-N`` (composite), except
    for CRC64NVME, which S3 only keeps as the full object's CRC, combined from the parts' CRCs and sizes."""
    if algorithm == "CRC64NVME":
        total = 0
        for value, size in zip(part_values, part_sizes, strict=True):
            total = crt_checksums.combine_crc64nvme(total, int.from_bytes(base64.b64decode(value), "big"), size)
        return b64(total.to_bytes(8, "big"))
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
