"""The MD5 digests SQS returns and the SDKs verify (boto3 fails a call whose digest is wrong).

Attributes are digested as AWS documents it: sorted by name, each as its name, its data type, one
transport byte (1 for String and Number, 2 for Binary) and its value, every field but the transport byte
preceded by its length as a 4-byte big-endian integer.
"""
from __future__ import annotations

import base64
import hashlib
import struct


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def _field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def md5_of_attributes(attributes: dict[str, dict] | None) -> str | None:
    """The digest of stored attributes (BinaryValue as base64 text); None when there are none."""
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        digest.update(_field(name.encode("utf-8")) + _field(data_type.encode("utf-8")))
        if "BinaryValue" in value:
            digest.update(b"\x02" + _field(base64.b64decode(value["BinaryValue"])))
        else:
            digest.update(b"\x01" + _field(value.get("StringValue", "").encode("utf-8")))
    return digest.hexdigest()
