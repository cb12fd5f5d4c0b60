"""Servers of a test's own with a front worker (``nimbus serve --workers 2``): which process holds a connection
(the kernel spreads them over the processes' sockets), and what each thread of a process has spent."""
from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nimbus.server import ServerThread
from tests.support.basics import start_server
from tests.support.raw_http import read_answers, request_head

__all__ = ["accepted_here", "connection_held_by", "start_with_a_worker", "thread_ticks", "workers_listening"]


def workers_listening(running):
    """The server once its front workers listen: until then the kernel sends every connection to the primary."""
    deadline = time.monotonic() + 60
    while not all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) for sock in running.pool.listeners):
        assert time.monotonic() < deadline, "a front worker never listened"
        time.sleep(0.05)
    return running


@contextmanager
def start_with_a_worker(tmp_path: Path, **settings) -> Iterator[ServerThread]:
    """A server (the primary, in this process) and one front worker listening beside it."""
    with start_server(tmp_path, workers=2, **settings) as running:
        yield workers_listening(running)


def thread_ticks(pid: int) -> dict[int, int]:
    """CPU ticks (user + system) of each thread of ``pid``."""
    ticks = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks[int(task)] = int(fields[11]) + int(fields[12])
    return ticks


def accepted_here(sock: socket.socket, port: int) -> bool:
    """Whether this process (the primary: the test's own) accepted the client's ``sock`` to ``port``: the
    server's end is among our files."""
    client_port = sock.getsockname()[1]
    with open("/proc/net/tcp") as table:
        inode = next(fields[9] for fields in map(str.split, list(table)[1:])
                     if int(fields[1].split(":")[1], 16) == port and int(fields[2].split(":")[1], 16) == client_port)
    return any(os.readlink(f"/proc/self/fd/{fd}") == f"socket:[{inode}]" for fd in os.listdir("/proc/self/fd")
               if os.path.exists(f"/proc/self/fd/{fd}"))


def connection_held_by(running: ServerThread, worker: bool) -> socket.socket:
    """A kept-alive connection the front worker accepted (``worker``), or else the primary."""
    port = running.config.port
    for _ in range(200):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client's connections do
        sock.sendall(request_head("GET", "/_nimbus/health"))
        read_answers(sock, ["GET"])  # answered, so accepted
        if accepted_here(sock, port) != worker:
            return sock
        sock.close()
    raise AssertionError(f"no connection landed on the {'front worker' if worker else 'primary'}")
