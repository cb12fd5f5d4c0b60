"""A whole response in one write: its head and body go to the socket together.

uvicorn writes a response's head when the app sends ``http.response.start`` and its body with the next message:
two ``send`` system calls, and on loopback the first one alone wakes the waiting client (a sixth of a small
call's wall time for one sequential client, measured with py-spy). When the app marks the response as a body
already whole (``WHOLE_BODY`` in the ASGI scope, set by app.py just before it sends the head of a non-empty bytes
body, never for HEAD, whose body uvicorn does not write), the head is held and written with the body. Streamed bodies, and anything else, are written as uvicorn writes them.
"""
from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# The scope key app.py sets when the body follows the head at once, in one message.
WHOLE_BODY = "nimbus.whole_body"


class HeadHeld:
    """A cycle's transport: the head of a whole response waits for its body; everything else passes through."""
    __slots__ = ("_transport", "_scope", "_head")

    def __init__(self, transport, scope: dict):
        self._transport = transport
        self._scope = scope
        self._head = b""

    def write(self, data: bytes) -> None:
        if self._head:
            data, self._head = self._head + data, b""
        elif self._scope.get(WHOLE_BODY):
            self._scope[WHOLE_BODY] = False  # only the head is held, once
            self._head = data
            return
        self._transport.write(data)

    def close(self) -> None:
        if self._head:  # the app failed between head and body: the head goes out as it would have
            self._transport.write(self._head)
            self._head = b""
        self._transport.close()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


def one_write_protocol(base: type[HttpToolsProtocol]) -> type[HttpToolsProtocol]:
    """``base`` writing whole responses with one write."""

    class OneWrite(base):  # type: ignore[valid-type, misc]
        def _start_asgi_task(self, cycle, app) -> None:
            cycle.transport = HeadHeld(cycle.transport, cycle.scope)
            super()._start_asgi_task(cycle, app)

    return OneWrite
