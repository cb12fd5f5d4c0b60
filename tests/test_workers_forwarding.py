"""A front worker's kept-alive connections to the primary (``nimbus/workers/connections.py``), driven against a
real primary's Unix socket as the worker drives them."""
from __future__ import annotations

import asyncio
import json
import time

from nimbus.workers.connections import PrimaryConnections
from nimbus.workers.forward import forward
from tests.support import start_server

HEALTH = {"type": "http", "method": "GET", "path": "/_nimbus/health", "raw_path": b"/_nimbus/health",
          "query_string": b"", "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 1), "scheme": "http"}


async def _health(connections: PrimaryConnections) -> dict:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        await asyncio.Event().wait()  # the client never leaves
        return {"type": "http.disconnect"}

    await forward(connections, HEALTH, b"", send, receive)
    assert sent[0]["status"] == 200
    return json.loads(b"".join(message.get("body", b"") for message in sent[1:]))


def test_forwarded_requests_share_one_kept_alive_connection(tmp_path):
    with start_server(tmp_path, workers=2, keep_alive_seconds=1) as running:
        # The pool opens the primary's socket after the server answers (in the background): under load, later.
        deadline = time.monotonic() + 30
        while not running.pool.processes and time.monotonic() < deadline:
            time.sleep(0.01)

        async def forwarding() -> None:
            # This pool believes the primary keeps connections longer than it does (60 s, not 1 s).
            connections = PrimaryConnections(running.pool.socket_path, keep_alive_seconds=60)
            await _health(connections)
            (first,) = connections.idle
            for _ in range(10):
                assert "settings" in await _health(connections)
                assert connections.idle == [first]
            # The primary closes the idle connection after its keep-alive time: it is found closed before anything
            # is written, and the request goes on a new one.
            await asyncio.sleep(2.5)
            assert "settings" in await _health(connections)
            (second,) = connections.idle
            assert second is not first

        asyncio.run(forwarding())
