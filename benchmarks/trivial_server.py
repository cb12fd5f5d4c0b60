"""The client's ceiling: an ASGI app that answers every request with one fixed JSON response, served by
the same web-server layer as nimbus (uvicorn with httptools and uvloop) or by granian.

``python -m benchmarks.trivial_server PORT [uvicorn|granian]``
"""
from __future__ import annotations

import sys

BODY = b'{"Account":"000000000000"}'
HEADERS = [(b"content-type", b"application/x-amz-json-1.1"), (b"content-length", str(len(BODY)).encode())]
# A request may ask for an answer of its own size (GetRecords' 1.5 MB): what the web server and the kernel cost to
# send that many bytes, whatever makes them.
ANSWER_BYTES = b"x-answer-bytes"
_LARGE: dict[int, tuple[list, bytes]] = {}


def _answer(scope) -> tuple[list, bytes]:
    size = next((int(value) for name, value in scope["headers"] if name == ANSWER_BYTES), 0)
    if not size:
        return HEADERS, BODY
    if size not in _LARGE:
        _LARGE[size] = ([HEADERS[0], (b"content-length", str(size).encode())], b"x" * size)
    return _LARGE[size]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:  # the body is read, as any server must
        more = (await receive()).get("more_body", False)
    headers, body = _answer(scope)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    port, server = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "uvicorn"
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces
        Granian("benchmarks.trivial_server:app", address="127.0.0.1", port=port, interface=Interfaces.ASGI,
                workers=1, log_enabled=False).serve()
    else:
        import uvicorn
        uvicorn.run(app, host="127.0.0.1", port=port, http="httptools", loop="uvloop", log_level="warning",
                    access_log=False)


if __name__ == "__main__":
    main()
