"""Shard iterators: opaque, tamper-evident tokens that expire after 5 minutes of virtual time.

A token is base64 of (version, issue time, shard index, position, stream id, owner account, stream name)
(the account lets another account read a shared stream with it) followed by
an HMAC-SHA256 (truncated to 16 bytes) under a secret kept in the data dir's store, so iterators stay
valid across a restart and cannot be forged or edited.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass

from nimbus.protocol.errors import ServiceError

LIFETIME_MS = 5 * 60 * 1000
_SECRET_NS = ("kinesis", "secrets")
_HEAD_V1 = struct.Struct(">BqIQ16s")
_HEAD = struct.Struct(">BqIQ16s12s")
_VERSION = 2
_MAC = 16


@dataclass(frozen=True)
class Iterator:
    issued_ms: int
    shard_index: int
    position: int
    stream_id: str  # 32 hex digits
    stream_name: str
    account: str = ""  # the stream's owner; empty in tokens made before accounts were recorded


def _invalid() -> ServiceError:
    return ServiceError("InvalidArgumentException", "Invalid ShardIterator.")


class IteratorCodec:
    def __init__(self, store):
        secret = store.get(_SECRET_NS, "iterators")
        if secret is None:
            secret = secrets.token_hex(32)
            store.put(_SECRET_NS, "iterators", secret)
        self._key = bytes.fromhex(secret)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC]

    def encode(self, it: Iterator) -> str:
        payload = _HEAD.pack(_VERSION, it.issued_ms, it.shard_index, it.position,
                             bytes.fromhex(it.stream_id), it.account.encode()) + it.stream_name.encode()
        return base64.b64encode(payload + self._mac(payload)).decode("ascii")

    def decode(self, token: str, now_ms: int) -> Iterator:
        try:
            raw = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid() from None
        payload, mac = raw[:-_MAC], raw[-_MAC:]
        if len(payload) < _HEAD_V1.size or not hmac.compare_digest(mac, self._mac(payload)):
            raise _invalid()
        version = payload[0]
        if version == 1:
            _, issued, shard, position, stream_id = _HEAD_V1.unpack_from(payload)
            account, name = b"", payload[_HEAD_V1.size:]
        elif version == _VERSION and len(payload) >= _HEAD.size:
            _, issued, shard, position, stream_id, account = _HEAD.unpack_from(payload)
            name = payload[_HEAD.size:]
        else:
            raise _invalid()
        if now_ms - issued > LIFETIME_MS:
            raise ServiceError("ExpiredIteratorException",
                               f"Iterator expired. The iterator was created at time {issued} "
                               f"while right now it is {now_ms} which is further in the future than the "
                               f"tolerated delay of {LIFETIME_MS} milliseconds.")
        return Iterator(issued, shard, position, stream_id.hex(), name.decode(), account.decode())
