"""HTTP/1.1 spoken on a bare socket, for tests of exactly what goes over a connection: request heads as
bytes, several in one write, and the answers read back in order."""
from __future__ import annotations

import socket

__all__ = ["raw_exchange", "read_answers", "request_head"]

Answer = tuple[bytes, list[tuple[str, str]], bytes]  # status line, headers in order, body


def request_head(method: str, path: str, version: str = "1.1", *extra: str, host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/{version}", f"Host: {host}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answers(sock: socket.socket, methods: list[str]) -> list[Answer]:
    """The answers to ``methods`` in turn."""
    buffer, answers = b"", []
    sock.settimeout(30)
    for method in methods:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"the connection closed before an answer to {method}"
            buffer += chunk
        raw_head, _, buffer = buffer.partition(b"\r\n\r\n")
        status, *lines = raw_head.decode("latin-1").split("\r\n")
        headers = [(name, value) for name, _, value in (line.partition(": ") for line in lines)]
        length = 0 if method == "HEAD" else int(dict(headers)["content-length"])
        while len(buffer) < length:
            buffer += sock.recv(65536)
        answers.append((status.encode(), headers, buffer[:length]))
        buffer = buffer[length:]
    return answers


def raw_exchange(port: int, data: bytes, methods: list[str], source: str | None = None) -> list[Answer]:
    """``data`` sent on a new connection (from the loopback address ``source`` when given), its answers."""
    with socket.create_connection(("127.0.0.1", port), source_address=(source, 0) if source else None) as sock:
        sock.sendall(data)
        return read_answers(sock, methods)
