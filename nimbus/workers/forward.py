"""A request a front worker does not answer, handed to the primary over a kept-alive connection to its Unix socket
(``connections.py``), and the primary's answer streamed back to the client unchanged.

The request goes as the client sent it (method, raw path and query, every header but the hop-by-hop ones, the
body as received), plus ``x-nimbus-viewer``: the client's address and scheme, which the primary believes only
from its Unix socket (``primary.py``). The body is either already read (the worker had meant to answer) or
streamed as it arrives.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import h11

from nimbus.gateway.app import disconnected as _disconnected
from nimbus.workers.connections import PrimaryConnections
from nimbus.workers.viewer import VIEWER_HEADER, viewer

# Headers that describe one connection, not the request or the response; the worker's own HTTP layer frames
# what it sends (and writes its own date and server headers).
_HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade", b"expect",
                         b"proxy-connection", VIEWER_HEADER})
_RESPONSE_OWN = _HOP_BY_HOP | {b"date", b"server"}
_READ_BYTES = 256 * 1024


async def forward(connections: PrimaryConnections, scope, body: bytes | AsyncIterator[bytes], send,
                  receive) -> None:
    connection = await connections.take()
    received = asyncio.Event()  # the client's body is all here
    answered = asyncio.Event()  # the primary's answer has begun
    sending = asyncio.ensure_future(_send_request(connection.writer, scope, body, received))
    relay = asyncio.ensure_future(_relay(connection.reader, scope["method"], send, answered, received))
    early = asyncio.ensure_future(answered.wait())
    reusable = False
    try:
        await asyncio.wait((sending, early, relay), return_when=asyncio.FIRST_COMPLETED)
        if sending.done() and not _broke(sending):
            sending.result()  # the client went away mid-body: ClientGone
            # A long answer (an event stream) ends when its client goes away: closing the connection tells the
            # primary.
            gone = asyncio.ensure_future(_disconnected(receive))
            try:
                await asyncio.wait((relay, gone), return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone.cancel()
        else:
            # The primary answered before the body was all here (a declared length over the limit, a stalled
            # body): the answer goes to the client at once, and the connection then closes, as the primary's does.
            await asyncio.wait((relay,))
        # Kept for the next request only if the whole request went and the whole answer came.
        reusable = (_finished(sending) and _finished(relay) and relay.result()) is True
    finally:
        for task in (early, sending, relay):
            task.cancel()
        if reusable:
            connections.give_back(connection)
        else:
            connection.close()
    if not relay.cancelled():
        relay.result()  # its error, if any


def _finished(task: asyncio.Future) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _broke(sending: asyncio.Future) -> bool:
    """Whether the primary closed the connection before taking the whole body (after it answered early)."""
    return not sending.cancelled() and isinstance(sending.exception(), ConnectionError)


async def _send_request(writer: asyncio.StreamWriter, scope, body: bytes | AsyncIterator[bytes],
                        received: asyncio.Event) -> None:
    if isinstance(body, bytes):
        received.set()
        writer.write(_head(scope, len(body)) + body)
    else:
        writer.write(_head(scope, None))
        chunked = not any(name == b"content-length" for name, _ in scope["headers"])
        async for chunk in body:
            if chunk:
                writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                await writer.drain()
        received.set()
        if chunked:
            writer.write(b"0\r\n\r\n")
    await writer.drain()


def _head(scope, length: int | None) -> bytes:
    target = scope.get("raw_path") or scope["path"].encode("latin-1")
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    lines = [b"%s %s HTTP/1.1" % (scope["method"].encode("latin-1"), target)]
    for name, value in scope["headers"]:
        if name in _HOP_BY_HOP or (length is not None and name == b"content-length"):
            continue
        lines.append(name + b": " + value)
    if length is not None:
        lines.append(b"content-length: %d" % length)
    elif not any(name == b"content-length" for name, _ in scope["headers"]):
        lines.append(b"transfer-encoding: chunked")
    lines += [VIEWER_HEADER + b": " + viewer(scope), b"", b""]
    return b"\r\n".join(lines)


async def _relay(reader: asyncio.StreamReader, method: str, send, answered: asyncio.Event,
                 received: asyncio.Event) -> bool:
    """The answer to the client; whether the connection may carry another request (the answer ended, and the
    primary means to keep it open)."""
    # h11 reads the answer's framing; it is told the method only (a HEAD's answer has no body).
    parser = h11.Connection(h11.CLIENT)
    parser.send(h11.Request(method=method, target="/", headers=[("host", "primary"), ("content-length", "0")]))
    parser.send(h11.EndOfMessage())
    started = False
    while True:
        event = parser.next_event()
        if event is h11.NEED_DATA:
            parser.receive_data(await reader.read(_READ_BYTES))
            continue
        if isinstance(event, h11.InformationalResponse):
            continue
        if isinstance(event, h11.Response):
            headers = [(name, value) for name, value in event.headers.raw_items() if name.lower() not in _RESPONSE_OWN]
            if not received.is_set():  # the rest of the body is never read: the connection cannot serve again
                headers.append((b"connection", b"close"))
            answered.set()
            await send({"type": "http.response.start", "status": event.status_code, "headers": headers})
            started = True
        elif isinstance(event, h11.Data):
            await send({"type": "http.response.body", "body": bytes(event.data), "more_body": True})
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            if started:
                await send({"type": "http.response.body", "body": b""})
            return parser.their_state is h11.DONE and not parser.trailing_data[0]
