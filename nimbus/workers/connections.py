"""A front worker's kept-alive connections to the primary's Unix socket, for the requests it hands over.

Opening a connection per forwarded request cost a connect here and an accept (and a new HTTP protocol object) in
the primary. A connection goes back to the pool once its answer has ended and the whole request went out; any
other end (an early answer, a client gone mid-body, an error, a ``connection: close``) closes it.

A pooled connection is taken only while it is well inside the primary's keep-alive time (half of it), so the
primary does not close it as a request starts on it; one found closed anyway (the primary restarted) is
dropped, with every other idle one, before anything is written, and a new connection carries the request. A
request whose bytes went out is never sent again: what happens to it after is the client's answer.

Only the worker's event loop uses the pool (no lock): it is bounded by the idle connections it keeps.
"""
from __future__ import annotations

import asyncio
import time

MAX_IDLE = 16
_READ_BYTES = 256 * 1024


class PrimaryConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.idle_since = 0.0

    def alive(self) -> bool:
        return not (self.reader.at_eof() or self.writer.transport.is_closing())

    def close(self) -> None:
        self.writer.close()


class PrimaryConnections:
    def __init__(self, socket_path: str, keep_alive_seconds: float):
        self.socket_path = socket_path
        self.idle_seconds = keep_alive_seconds / 2
        self.idle: list[PrimaryConnection] = []  # the most recently used last

    async def take(self) -> PrimaryConnection:
        while self.idle:
            connection = self.idle.pop()
            if connection.alive() and time.monotonic() - connection.idle_since < self.idle_seconds:
                return connection
            connection.close()
            self.clear()  # the others are older still, or the primary closed them all
        reader, writer = await asyncio.open_unix_connection(self.socket_path, limit=_READ_BYTES)
        return PrimaryConnection(reader, writer)

    def give_back(self, connection: PrimaryConnection) -> None:
        if len(self.idle) >= MAX_IDLE or not connection.alive():
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self.idle.append(connection)

    def clear(self) -> None:
        idle, self.idle = self.idle, []
        for connection in idle:
            connection.close()
