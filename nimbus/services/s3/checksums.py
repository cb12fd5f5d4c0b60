"""The checksums S3 computes over object data: MD5 (the ETag) and the flexible checksums."""
from __future__ import annotations

import base64

from nimbus.protocol.checksums import ALGORITHMS, b64, check_flexible, new_hasher
from nimbus.protocol.errors import ServiceError

__all__ = ["ALGORITHMS", "b64", "check_content_md5", "check_flexible", "combine_part_checksums", "new_hasher"]


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
