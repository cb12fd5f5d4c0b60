"""Object compression as Firehose writes it: GZIP, ZIP, Snappy (framing format) and HADOOP_SNAPPY."""
from __future__ import annotations

import gzip
import io
import struct
import zipfile

EXTENSIONS = {"UNCOMPRESSED": "", "GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".snappy"}
HADOOP_BLOCK = 256 * 1024  # Hadoop's SnappyCodec default buffer size


def compress(data: bytes, fmt: str, entry_name: str = "data") -> bytes:
    if fmt in (None, "", "UNCOMPRESSED"):
        return data
    if fmt == "GZIP":
        return gzip.compress(data, compresslevel=6)
    if fmt == "ZIP":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(entry_name, data)
        return out.getvalue()
    import cramjam  # loaded only by streams that compress with Snappy
    if fmt == "Snappy":
        return bytes(cramjam.snappy.compress(data))  # the snappy framing format
    if fmt == "HADOOP_SNAPPY":
        # Hadoop block format: per block, the uncompressed length, then (compressed length, raw snappy chunk).
        blocks = bytearray()
        for start in range(0, max(len(data), 1), HADOOP_BLOCK):
            block = data[start:start + HADOOP_BLOCK]
            chunk = bytes(cramjam.snappy.compress_raw(block))
            blocks += struct.pack(">II", len(block), len(chunk)) + chunk
        return bytes(blocks)
    raise ValueError(f"unknown compression {fmt}")
