"""A blocking HTTP/1.1 client over the primary's Unix socket, for the few calls a worker makes itself."""
from __future__ import annotations

import http.client
import socket
import threading


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


class UnixConnection:
    """One kept-alive connection, opened again once if the primary closed it."""

    def __init__(self, path: str, timeout: float = 60.0):
        self.path = path
        self.timeout = timeout
        self._connection: _UnixHTTPConnection | None = None
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        with self._lock:
            for attempt in (1, 2):
                if self._connection is None:
                    self._connection = _UnixHTTPConnection(self.path, self.timeout)
                try:
                    self._connection.request(method, path, body, {"content-type": "application/octet-stream"})
                    response = self._connection.getresponse()
                    return response.status, response.read()
                except (ConnectionError, http.client.HTTPException):
                    self._connection.close()
                    self._connection = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")
