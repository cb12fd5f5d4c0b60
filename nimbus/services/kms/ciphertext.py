"""The symmetric ciphertext blob: self-describing, so Decrypt needs no KeyId.

Layout (all fixed sizes, so parsing never guesses)::

    version (1) | account (12 ascii) | key id (36 ascii) | material id (32) | nonce (12) | AES-GCM ciphertext+tag

The header and the canonical encryption context are the GCM associated data: a changed header,
a missing or different context, or any flipped bit fails authentication, and Decrypt answers
InvalidCiphertextException as AWS does. Key ids (UUIDs and ``mrk-`` + 32 hex) are all 36
characters; a multi-Region key has the same id in every Region, so a replica finds its material.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from nimbus.core.aead import aes_gcm

VERSION = b"\x01"
HEADER = 1 + 12 + 36 + 32
NONCE = 12
TAG = 16


@dataclass(frozen=True)
class Envelope:
    account: str
    key_id: str
    material_id: str  # 64 hex characters
    header: bytes
    body: bytes  # nonce + ciphertext + tag


def canonical_context(context: dict[str, str] | None) -> bytes:
    if not context:  # most calls carry none: json.dumps would spend a microsecond to write it
        return b"{}"
    return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(key: bytes, account: str, key_id: str, material_id: str, plaintext: bytes,
         context: dict[str, str] | None) -> bytes:
    header = VERSION + account.encode() + key_id.encode() + bytes.fromhex(material_id)
    nonce = os.urandom(NONCE)
    return header + nonce + aes_gcm(key).encrypt(nonce, plaintext, header + canonical_context(context))


def parse(blob: bytes) -> Envelope | None:
    """The blob's header, or None when it cannot be a nimbus symmetric ciphertext."""
    if len(blob) < HEADER + NONCE + TAG or blob[:1] != VERSION:
        return None
    try:
        account = blob[1:13].decode("ascii")
        key_id = blob[13:49].decode("ascii")
    except UnicodeDecodeError:
        return None
    if not account.isdigit():
        return None
    return Envelope(account, key_id, blob[49:HEADER].hex(), blob[:HEADER], blob[HEADER:])


def open_(key: bytes, envelope: Envelope, context: dict[str, str] | None) -> bytes | None:
    """The plaintext, or None when authentication fails."""
    try:
        return aes_gcm(key).decrypt(envelope.body[:NONCE], envelope.body[NONCE:],
                                    envelope.header + canonical_context(context))
    except InvalidTag:
        return None
