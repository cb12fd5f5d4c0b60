"""Limits every connection meets before its request is authenticated, so no client can stall the server
or lock others out: a cap on a request's head (request line and headers) and on how long it takes to
arrive, a cap on open connections, and a budget for the request bodies held in memory at once.

The head limits live in the HTTP protocol (uvicorn's httptools protocol, which has none of its own);
the body's read timeouts and the memory budget are the ASGI app's (app.py), which reads the body.
"""
from __future__ import annotations

import asyncio
import resource
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from nimbus.config import Config

# Descriptors the process keeps for everything but connections: the store, blobs, spool files, logs.
RESERVED_DESCRIPTORS = 64


def connection_cap(config: Config) -> int:
    """``max_connections``, but at most half the descriptors the process may open: a flood of
    connections must never leave the server unable to accept, or to open its own files."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return config.max_connections
    return max(1, min(config.max_connections, soft // 2, soft - RESERVED_DESCRIPTORS))


def limited_protocol(config: Config) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with nimbus's head and connection limits, for ``uvicorn.Config(http=...)``."""
    cap = connection_cap(config)

    class LimitedProtocol(HttpToolsProtocol):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.head_bytes = 0
            self.in_head = True  # from a request's first byte (or the connection's start) to its last header
            self.head_timer: asyncio.TimerHandle | None = None
            self.since = time.monotonic()  # when it last had no request in flight

        # -- connections ---------------------------------------------------------------------------
        def connection_made(self, transport) -> None:  # type: ignore[override]
            if len(self.connections) >= cap and not self._evict_idle():
                super().connection_made(transport)
                self._refuse(b"503 Service Unavailable", "Too many connections; try again later.")
                return
            super().connection_made(transport)
            self._start_head_timer()

        def _evict_idle(self) -> bool:
            """Close the connection idle the longest (no request being served: a kept-alive one, or one
            still sending its head), so that a crowd of idle connections cannot lock newcomers out."""
            idle = [c for c in self.connections
                    if isinstance(c, LimitedProtocol) and c.idle and not c.transport.is_closing()]
            if not idle:
                return False
            oldest = min(idle, key=lambda c: c.since)
            oldest.transport.close()
            self.connections.discard(oldest)  # at once: its connection_lost comes on a later loop turn
            return True

        @property
        def idle(self) -> bool:
            """No request in flight: kept alive between requests, or still sending a request's head."""
            return self.cycle is None or self.cycle.response_complete

        def connection_lost(self, exc) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        # -- the head ------------------------------------------------------------------------------
        def data_received(self, data: bytes) -> None:
            if self.in_head:
                # Counted before the parser sees it: a whole oversized head may come in one read.
                end = data.find(b"\r\n\r\n")
                self.head_bytes += len(data) if end < 0 else end + 4
                if self.head_bytes > config.max_header_bytes:
                    self._refuse(b"431 Request Header Fields Too Large",
                                 f"The request line and headers exceed {config.max_header_bytes} bytes.")
                    return
            super().data_received(data)
            # Timed from here rather than from the head's first byte: a head that arrives whole in one read
            # (nearly every one) then costs no timer.
            if self.in_head and not self.transport.is_closing():
                self._start_head_timer()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self.in_head:  # a request after the first on this connection
                self.in_head, self.head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self.head_complete()
            super().on_headers_complete()

        def head_complete(self) -> None:
            self.in_head = False
            self._stop_head_timer()

        def _start_head_timer(self) -> None:
            if self.head_timer is None:
                self.head_timer = self.loop.call_later(config.header_timeout_seconds, self._head_timed_out)

        def _stop_head_timer(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def _head_timed_out(self) -> None:
            self.head_timer = None
            if not self.in_head or self.transport.is_closing():
                return
            if self.head_bytes:
                self._refuse(b"408 Request Timeout", "The request head did not arrive in time.")
            else:
                self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # Idle until the next request's first byte: uvicorn's keep-alive timeout covers that wait.
            self.since = time.monotonic()

        def _refuse(self, status: bytes, message: str) -> None:
            self.in_head = False
            self._stop_head_timer()
            body = message.encode()
            self.transport.write(b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                 b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n"
                                 + body)
            self.transport.close()

    return LimitedProtocol


class BodyBudget:
    """Bytes of request bodies held in memory by all requests together. Used on the event loop only."""

    def __init__(self, limit: int):
        self.limit = limit
        self.held = 0

    def take(self, size: int) -> bool:
        if self.held + size > self.limit:
            return False
        self.held += size
        return True

    def give(self, size: int) -> None:
        self.held -= size
