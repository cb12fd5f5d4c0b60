"""The link a front worker ships its event records over: a Unix socket of the data dir (mode 0600, as the primary's
other socket), frames of a length and a pickled batch (``shipping.write_batch``), each answered by one byte once
the primary has published the batch on its bus.

It was an HTTP POST to the primary's Unix socket, answered by its ASGI app: parsing, a task and two writes per
batch made up most of what the primary spent receiving a batch, a third of its serial share of a call a worker
answered. Here a thread of the primary per worker reads frames with blocking reads, which hold no GIL while they
wait; the records are read back by ``shipping.read_batch``'s restricted unpickler, as before.
"""
from __future__ import annotations

import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

EVENTS_SOCKET_FILE = "events.sock"
_LENGTH = struct.Struct("<Q")
# A frame longer than this is not a batch (a worker's batches are a few milliseconds of calls' records).
MAX_FRAME_BYTES = 1 << 30
PUBLISHED, REFUSED = b"\x01", b"\x00"

Batch = list[tuple[str, Any]]


def events_socket(data_dir: str) -> str:
    return os.path.join(data_dir, EVENTS_SOCKET_FILE)


class EventLinkServer:
    """The primary's side: accepts the workers' links, and publishes each batch read with ``receive``."""

    def __init__(self, path: str, read: Callable[[bytes], Batch], publish: Callable[[Batch], None]):
        self.path = path
        self._read = read
        self._publish = publish
        if os.path.exists(path):
            os.unlink(path)  # a kill -9 leaves it; the data dir's lock says nobody else serves
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        os.chmod(path, 0o600)
        self._listener.listen()
        self._closed = False
        threading.Thread(target=self._accept_forever, name="nimbus-event-link", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self._listener.close()
        if os.path.exists(self.path):
            os.unlink(self.path)

    def _accept_forever(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(connection,), name="nimbus-event-link-worker",
                             daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as frames:
            while True:
                head = frames.read(_LENGTH.size)
                if len(head) < _LENGTH.size:
                    return  # the worker closed its link (it exited)
                (length,) = _LENGTH.unpack(head)
                if length > MAX_FRAME_BYTES:
                    log.error("a worker sent a frame of %d bytes; its link is closed", length)
                    return
                body = frames.read(length)
                if len(body) < length:
                    return
                try:
                    self._publish(self._read(body))
                    answer = PUBLISHED
                except Exception:
                    log.exception("a worker sent event records that are not")
                    answer = REFUSED
                connection.sendall(answer)


class EventLink:
    """A worker's side: one connection, opened again once if the primary closed it."""

    def __init__(self, path: str, timeout: float = 60.0):
        self.path = path
        self.timeout = timeout
        self._socket: socket.socket | None = None

    def send(self, body: bytes) -> bool:
        """Whether the primary published the batch (False: it refused it)."""
        for attempt in (1, 2):
            if self._socket is None:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(self.path)
                self._socket = sock
            try:
                self._socket.sendall(_LENGTH.pack(len(body)) + body)
                answer = self._socket.recv(1)
                if answer:
                    return answer == PUBLISHED
                raise ConnectionError("the primary closed the link")
            except OSError:
                self._socket.close()
                self._socket = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
