"""Servers of ``nimbus serve --workers N`` in tests."""
from __future__ import annotations

import socket
import time

__all__ = ["workers_listening"]


def workers_listening(running):
    """The server once its front workers listen: until then the kernel sends every connection to the primary."""
    deadline = time.monotonic() + 60
    while not all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) for sock in running.pool.listeners):
        assert time.monotonic() < deadline, "a front worker never listened"
        time.sleep(0.05)
    return running
