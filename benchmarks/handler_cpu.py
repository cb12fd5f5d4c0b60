"""nimbus's own CPU per small call, without the web server: ``python -m benchmarks.handler_cpu [ops] [calls]``.

The request handler (routing, SigV4, context, authorization, parsing, the provider, serializing, the API-call
record) is called in-process, in a loop, on requests signed once (bench_request_path's); the process's CPU time
over the loop, the event bus's worker included (flushed before and after), divided by the calls. The web-server
layer (uvicorn, the thread hop, the socket writes) is left out, so this moves only with nimbus's own code: run it
from two checkouts, alternating, to compare them. ``ops``: comma-separated names from bench_request_path.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from urllib.parse import urlsplit

import boto3

from benchmarks.bench_request_path import _requests
from benchmarks.load import RawRequest
from nimbus.config import Config
from nimbus.gateway.handler import RequestHandler
from nimbus.protocol.http import Headers, HttpRequest
from nimbus.server import ServerThread


class _Target:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def client(self, name: str):
        return boto3.client(name, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")


def _http(raw: RawRequest, host: str) -> HttpRequest:
    path, _, query = raw.path.partition("?")
    headers = Headers([(name.lower(), value) for name, value in raw.headers.items()])
    headers["host"] = host
    headers["content-length"] = str(len(raw.body))
    request = HttpRequest(method=raw.method, path=path, query_string=query, headers=headers,
                          source_ip="127.0.0.1", scheme="http")
    request.body = raw.body
    return request


def main() -> None:
    operations = (sys.argv[1] if len(sys.argv) > 1 else "GetCallerIdentity,Encrypt_64B,GetObject_4KiB").split(",")
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    with tempfile.TemporaryDirectory() as data, ServerThread(Config(port=0, data_dir=data)) as server:
        requests = _requests(_Target(server.endpoint))  # type: ignore[arg-type]
        handler = RequestHandler(server.runtime)
        host = urlsplit(server.endpoint).netloc
        for operation in operations:
            for _ in range(300):  # warm: first-call imports and caches stay out of the measure
                response = handler.handle(_http(requests[operation], host))
            batch = [_http(requests[operation], host) for _ in range(calls)]
            server.runtime.events.flush()
            start = time.process_time()
            for request in batch:
                response = handler.handle(request)
                if not isinstance(response.body, (bytes, bytearray)):
                    for _ in response.body:  # a streamed body is read as the web server would
                        pass
            server.runtime.events.flush()
            spent = time.process_time() - start
            print(json.dumps({"operation": operation, "status": response.status,
                              "cpu_us_per_call": round(spent / calls * 1e6, 1)}), flush=True)


if __name__ == "__main__":
    main()
