"""The plain HTTP request and response that the protocol layer reads and writes.

They are independent of the ASGI server so that parsers, serializers and the
conformance tests can use them directly.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote


class Headers(dict):
    """Case-insensitive header map; keys are stored lower-case.

    Repeated headers are joined with ", " as RFC 9110 allows.
    """

    def __init__(self, items: Iterable[tuple[str, str]] | dict | None = None):
        super().__init__()
        if items is None:
            return
        if isinstance(items, dict):
            items = items.items()
        for key, value in items:
            self.add(key, value)

    def add(self, key: str, value: str) -> None:
        key = key.lower()
        held = dict.get(self, key)
        dict.__setitem__(self, key, value if held is None else f"{held}, {value}")

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default=None):
        return super().get(key.lower(), default)

    def pop(self, key: str, *default):
        return super().pop(key.lower(), *default)


@dataclass
class HttpRequest:
    method: str
    path: str  # raw, still percent-encoded, without the query string
    query_string: str = ""  # raw, without the leading "?"
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    scheme: str = "http"
    # A large body spooled to a temporary file instead of ``body`` (PUT uploads); read it from the start.
    body_file: Any = None
    # Set by authentication for STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies: checks each chunk's signature.
    chunk_verifier: Any = None
    # The SHA-256 (hex) of ``body_file``'s bytes, when the gateway hashed them as they arrived.
    body_file_sha256: str | None = None
    # An aws-chunked body the gateway decoded as it arrived: what its reader checks (parsers/chunk_framing.py).
    chunk_framing: Any = None
    # The end (time.monotonic) of a long wait a provider suspended (core/waiting.py), when the request is retried.
    wait_until: float | None = None
    # Being answered on the event loop (gateway/on_loop.py): work that may wait raises NeedsThread (core/needs_thread.py).
    on_loop: bool = False

    def __post_init__(self):
        if not isinstance(self.headers, Headers):
            self.headers = Headers(self.headers)

    def body_size(self) -> int:
        if self.body_file is None:
            return len(self.body)
        position = self.body_file.tell()
        size = self.body_file.seek(0, os.SEEK_END)
        self.body_file.seek(position)
        return size

    def body_sha256(self) -> str:
        if self.body_file is None:
            return hashlib.sha256(self.body).hexdigest()
        if self.body_file_sha256 is not None:  # no second pass over a large upload
            return self.body_file_sha256
        digest = hashlib.sha256()
        self.body_file.seek(0)
        while chunk := self.body_file.read(1 << 20):
            digest.update(chunk)
        self.body_file.seek(0)
        return digest.hexdigest()

    @property
    def query_items(self) -> list[tuple[str, str]]:
        """Decoded query pairs in order; a bare key (``?uploads``) has the value ""."""
        cached = self.__dict__.get("_query_items")
        if cached is None or cached[0] != self.query_string:
            cached = (self.query_string, parse_qsl(self.query_string, keep_blank_values=True))
            self.__dict__["_query_items"] = cached
        return cached[1]

    @property
    def query(self) -> dict[str, str]:
        """First value of each query key."""
        cached = self.__dict__.get("_query")
        if cached is None or cached[0] != self.query_string:
            result: dict[str, str] = {}
            for key, value in self.query_items:
                result.setdefault(key, value)
            cached = (self.query_string, result)
            self.__dict__["_query"] = cached
        return cached[1]

    def form(self) -> dict[str, str]:
        """The url-encoded form body's first value per key, decoded once and kept."""
        cached = self.__dict__.get("_form")
        if cached is None:
            cached = {}
            for key, value in parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True):
                cached.setdefault(key, value)
            self.__dict__["_form"] = cached
        return cached

    @property
    def decoded_path(self) -> str:
        return unquote(self.path)

    @property
    def host(self) -> str:
        return self.headers.get("host", "")


class Replay(Protocol):
    """How a service answers the identical request again without it being parsed (gateway/raw_heads.py):
    the values of the ``varying`` headers (in the order they appear in the response) and the body, or None
    when the answer would now differ in anything else."""
    varying: tuple[str, ...]

    def __call__(self) -> tuple[tuple[bytes, ...], bytes] | None: ...


@dataclass
class HttpResponse:
    status: int = 200
    headers: Headers = field(default_factory=Headers)
    # bytes, or an iterator of bytes chunks for streamed payloads
    body: bytes | Iterator[bytes] | Iterable[bytes] = b""
    replay: Replay | None = None  # set by a service whose answer the identical request may get again

    def __post_init__(self):
        if not isinstance(self.headers, Headers):
            self.headers = Headers(self.headers)

    def body_bytes(self) -> bytes:
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body)
        self.body = b"".join(self.body)
        return self.body


@dataclass
class ResponseOverrides:
    """What a provider says about its response that the model cannot (S3's 206 for a range read, the CORS
    headers of a bucket); the serializer applies them over what the model produced."""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def apply(self, response: HttpResponse) -> None:
        if self.status is not None:
            response.status = self.status
        for name, value in self.headers.items():
            response.headers[name] = value
