"""AWS event-stream framing (``application/vnd.amazon.eventstream``), as botocore's EventStream reads it.

A message is: prelude (total length, headers length, CRC32 of those 8 bytes),
headers, payload, then the CRC32 of everything before it. Header values here
are always strings (type 7), which is all event and exception frames need.
"""
from __future__ import annotations

import struct
import zlib

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7
_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")


def _headers(headers: dict[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
        out += bytes((len(raw_name),)) + raw_name + bytes((_STRING,)) + struct.pack(">H", len(raw_value)) + raw_value
    return bytes(out)


def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    encoded_headers = _headers(headers)
    total = _PRELUDE.size + _CRC.size + len(encoded_headers) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(encoded_headers))
    message = prelude + _CRC.pack(zlib.crc32(prelude)) + encoded_headers + payload
    return message + _CRC.pack(zlib.crc32(message))


def event_message(event_type: str, payload: bytes, content_type: str = "application/json") -> bytes:
    return encode_message({":message-type": "event", ":event-type": event_type,
                           ":content-type": content_type}, payload)


def exception_message(exception_type: str, payload: bytes, content_type: str = "application/json") -> bytes:
    """A modeled error of the stream (botocore raises it as that error code)."""
    return encode_message({":message-type": "exception", ":exception-type": exception_type,
                           ":content-type": content_type}, payload)


def error_message(code: str, message: str) -> bytes:
    """An unmodeled error that ends the stream."""
    return encode_message({":message-type": "error", ":error-code": code, ":error-message": message}, b"")
