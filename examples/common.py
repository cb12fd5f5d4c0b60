"""What every example needs: clients of the endpoint in AWS_ENDPOINT_URL, a patient wait, the virtual clock,
and an HTTP endpoint SNS can deliver to."""
from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3


def clients(endpoint: str | None = None):
    """``aws("s3")``: a boto3 client of nimbus, with the credentials and Region of the environment."""
    settings = dict(endpoint_url=endpoint or os.environ["AWS_ENDPOINT_URL"],
                    region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    return lambda service, **extra: boto3.client(service, **{**settings, **extra})


def wait_for(what: str, check, seconds: float = 60, every: float = 0.2):
    """Poll ``check`` until it returns something truthy; deliveries happen in the background."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise TimeoutError(f"{what}: not within {seconds} s")


def advance_clock(seconds: float) -> float:
    """Move nimbus's virtual clock forward (what fell due runs before it answers); returns its time."""
    request = urllib.request.Request(f"{os.environ['AWS_ENDPOINT_URL']}/_nimbus/clock", method="POST",
                                     data=json.dumps({"advance_seconds": seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)["epoch"]


class Inbox:
    """A real HTTP endpoint on 127.0.0.1 that SNS can deliver to: every message it POSTs, in order."""

    def __init__(self):
        self.messages: list[dict] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                inbox.messages.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/"

    def of_type(self, message_type: str) -> list[dict]:
        return [m for m in self.messages if m["Type"] == message_type]

    def close(self) -> None:
        self._server.shutdown()
