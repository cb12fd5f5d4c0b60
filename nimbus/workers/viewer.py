"""The ``x-nimbus-viewer`` header a front worker adds to a request it hands to the primary: the client's address
and scheme, which the primary believes only from its Unix socket (``primary.py``). Apart from ``forward.py``
so that the primary reads it without importing the forwarding (h11 and the connection pool) it never uses."""
from __future__ import annotations

VIEWER_HEADER = b"x-nimbus-viewer"


def viewer(scope) -> bytes:
    client = scope.get("client") or ("127.0.0.1", 0)
    return f"{client[0]} {client[1]} {scope.get('scheme', 'http')}".encode("latin-1")


def parse_viewer(value: bytes) -> tuple[tuple[str, int], str]:
    host, port, scheme = value.decode("latin-1").split(" ")
    return (host, int(port)), scheme
