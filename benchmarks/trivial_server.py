"""The client's ceiling: an ASGI app that answers every request with one fixed JSON response, served by
the same web-server layer as nimbus (uvicorn with httptools and uvloop) or by granian.

``python -m benchmarks.trivial_server PORT [uvicorn|granian]``
"""
from __future__ import annotations

import sys

BODY = b'{"Account":"000000000000"}'
HEADERS = [(b"content-type", b"application/x-amz-json-1.1"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:  # the body is read, as any server must
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


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
