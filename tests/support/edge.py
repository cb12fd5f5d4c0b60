"""A scripted web server to put behind a CloudFront distribution, and requests to a distribution's edge."""
from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.support.basics import unique
from tests.support.streams import active_stream


@dataclass
class ScriptedOrigin:
    """What the origin answers (``routes``: path -> (status, headers, body)) and what it was asked
    (``seen``: (method, path, headers, body)). ``/slow...`` paths answer after ``delay`` seconds."""
    port: int = 0
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    delay: float = 3.0

    def asked(self, path: str) -> int:
        return sum(1 for _, p, _, _ in self.seen if p == path)

    def custom_origin(self, origin_id: str, **config) -> dict:
        return {"Id": origin_id, "DomainName": "127.0.0.1",
                "CustomOriginConfig": {"HTTPPort": self.port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only",
                                       **config}}


@contextlib.contextmanager
def scripted_origin() -> Iterator[ScriptedOrigin]:
    origin = ScriptedOrigin()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            origin.seen.append((self.command, self.path, dict(self.headers), body))
            if self.path.startswith("/slow"):
                time.sleep(origin.delay)
            status, headers, content = origin.routes.get(
                self.path, (200, {"Content-Type": "text/plain"}, f"{self.command} {self.path} {body.decode()}".encode()))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    origin.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def edge_request(endpoint: str, distribution: dict, method: str, path: str, **kwargs) -> requests.Response:
    """``method path`` at the distribution's edge, addressed by path (/_cloudfront/<id>/...)."""
    return requests.request(method, f"{endpoint}/_cloudfront/{distribution['Id']}{path}", timeout=30,
                            allow_redirects=False, **kwargs)


CLOUDFRONT_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def realtime_log_stream(client, endpoint: str, prefix: str) -> tuple[str, str, str]:
    """(name, ARN) of an active Kinesis stream, and a role CloudFront may assume to write to it: what a
    real-time log configuration's endpoint names."""
    kinesis, iam = client("kinesis"), client("iam")
    name = active_stream(kinesis, endpoint, prefix)
    arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    role = iam.create_role(RoleName=unique(prefix), AssumeRolePolicyDocument=CLOUDFRONT_TRUST)["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="put", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kinesis:PutRecord", "Resource": arn}]}))
    return name, arn, role["Arn"]
