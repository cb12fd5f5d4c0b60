"""SNS: an HTTP endpoint that records deliveries, signature checks, recorded messages."""
from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.support.basics import ACCOUNT

# --- SNS ------------------------------------------------------------------------------------------

class Endpoint:
    """A real HTTP endpoint on 127.0.0.1: records every POST, answers with the queued statuses (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request: a server never sees a truncated request as delivered
                with outer._lock:
                    outer.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body.decode()})
                    status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, message_type: str | None = None, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of_type(message_type)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {message_type or ''} deliveries, got {self.of_type(message_type)}")

    def of_type(self, message_type: str | None) -> list[dict]:
        with self._lock:
            return [r for r in self.requests
                    if message_type is None or r["headers"].get("x-amz-sns-message-type") == message_type]

    def close(self):
        self.server.shutdown()


# The verification AWS documents, written independently of nimbus's signer.
_SNS_SIGNED = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
    "UnsubscribeConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
}


def verify_sns_signature(message: dict) -> bool:
    cert_pem = requests.get(message["SigningCertURL"], timeout=5)
    assert cert_pem.status_code == 200, cert_pem.text
    certificate = x509.load_pem_x509_certificate(cert_pem.content)
    canonical = "".join(f"{key}\n{message[key]}\n" for key in _SNS_SIGNED[message["Type"]] if key in message)
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[message["SignatureVersion"]]
    try:
        certificate.public_key().verify(base64.b64decode(message["Signature"]), canonical.encode(),
                                        padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def recorded(endpoint_url: str, endpoint: str, count: int = 1, account: str = ACCOUNT,
             region: str = "us-east-1", timeout: float = 10.0) -> list[dict]:
    """What nimbus recorded for a non-HTTP endpoint (email, sqs...), waiting for ``count`` of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = requests.get(f"{endpoint_url}/_nimbus/sns/recorded", timeout=10,
                             params={"endpoint": endpoint, "account": account, "region": region}).json()["messages"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def body(entry: dict) -> dict:
    """The JSON body of a delivery an Endpoint received or nimbus recorded."""
    return json.loads(entry["body"] if "body" in entry else entry["Body"])
