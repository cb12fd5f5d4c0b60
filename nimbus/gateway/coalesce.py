"""One socket write per response where uvicorn would make two.

uvicorn writes a response's status line and headers as soon as the app sends ``http.response.start``,
and its body on ``http.response.body``: two ``send`` system calls (two TCP segments, with TCP_NODELAY)
for every small answer, and the first of them was an eighth of a small call's server CPU. This transport
keeps small writes made during one turn of the event loop and hands them to the socket together at the
end of that turn; a large write goes out at once (after what is kept), so big bodies are never copied.
"""
from __future__ import annotations

import asyncio

# Writes up to this size wait for the end of the loop turn; anything bigger is written through.
SMALL_WRITE = 64 * 1024


class CoalescingTransport:
    """Wraps an asyncio transport; everything but write, close and abort goes to the wrapped one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._kept: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        if len(data) > SMALL_WRITE:
            self.flush()
            self._transport.write(data)
            return
        self._kept.append(bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if self._kept:
            data = self._kept[0] if len(self._kept) == 1 else b"".join(self._kept)
            self._kept.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._kept.clear()
        self._transport.abort()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)
