"""HTTP endpoint destination: Firehose's request format to a real local server; failures go to S3 backup."""
from __future__ import annotations

import base64
import gzip
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import FIREHOSE_ROLE, active_delivery_stream, flush, new_bucket, objects, s3_config, self_signed


class Endpoint:
    """A local HTTPS endpoint that records requests and answers as told."""

    def __init__(self, cert: str, key: str):
        self.requests: list[dict] = []
        self.mode = "ok"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                payload = json.loads(body)
                outer.requests.append({"headers": dict(self.headers), "body": payload})
                if outer.mode == "fail":
                    self.send_response(500)
                    answer = b'{"errorMessage":"down"}'
                else:
                    self.send_response(200)
                    answer = json.dumps({"requestId": payload["requestId"], "timestamp": 1}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/ingest"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def http_endpoint(tmp_path, monkeypatch, server):
    cert, key = self_signed(tmp_path)
    # The server trusts this endpoint's CA (the setting NIMBUS_FIREHOSE_CA_BUNDLE gives a served nimbus).
    monkeypatch.setattr(server.runtime.config, "firehose_ca_bundle", cert)
    endpoint = Endpoint(cert, key)
    yield endpoint
    endpoint.server.shutdown()


def http_config(url: str, backup_bucket: str, **extra) -> dict:
    return {"EndpointConfiguration": {"Url": url, "Name": "local", "AccessKey": "sekrit"}, "RoleARN": FIREHOSE_ROLE,
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            "S3Configuration": s3_config(backup_bucket), **extra}


def test_post_in_firehose_format(firehose, s3, endpoint, http_endpoint):
    name = active_delivery_stream(firehose, endpoint, HttpEndpointDestinationConfiguration=http_config(
        http_endpoint.url, new_bucket(s3), RequestConfiguration={
            "ContentEncoding": "GZIP", "CommonAttributes": [{"AttributeName": "env", "AttributeValue": "test"}]}))
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    http = described["Destinations"][0]["HttpEndpointDestinationDescription"]
    assert http["EndpointConfiguration"] == {"Url": http_endpoint.url, "Name": "local"}, "the access key is not shown"
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"one"}, {"Data": b"two"}])
    flush(endpoint, 61)
    assert len(http_endpoint.requests) == 1
    request = http_endpoint.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-amz-firehose-access-key"] == "sekrit"
    assert headers["x-amz-firehose-request-id"] == request["body"]["requestId"]
    assert headers["content-encoding"] == "gzip"
    assert json.loads(headers["x-amz-firehose-common-attributes"]) == {"commonAttributes": {"env": "test"}}
    assert isinstance(request["body"]["timestamp"], int)
    assert [base64.b64decode(r["data"]) for r in request["body"]["records"]] == [b"one", b"two"]


def test_failures_retry_then_go_to_s3_backup(firehose, s3, endpoint, http_endpoint):
    backup = new_bucket(s3)
    http_endpoint.mode = "fail"
    name = active_delivery_stream(firehose, endpoint, HttpEndpointDestinationConfiguration=http_config(
        http_endpoint.url, backup, RetryOptions={"DurationInSeconds": 120}))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"lost?"})
    flush(endpoint, 61)
    # Within the window a failing endpoint is retried every real second: count attempts, not calls.
    assert len(http_endpoint.requests) >= 1 and objects(s3, backup) == {}
    failure = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "FailureDescription"]
    assert "HttpEndpoint.ResponseFailure" in failure["Details"]
    flush(endpoint, 121)  # past the retry window: one last attempt, then the backup
    attempts = len(http_endpoint.requests)
    assert attempts >= 2
    failed = objects(s3, backup, "http-endpoint-failed/")
    assert len(failed) == 1
    lines = [json.loads(line) for line in next(iter(failed.values())).splitlines()]
    assert [base64.b64decode(line["rawData"]) for line in lines] == [b"lost?"]
    assert lines[0]["errorCode"] == "HttpEndpoint.ResponseFailure" and lines[0]["attemptsMade"] == attempts
    time.sleep(1.5)  # given up: no attempt follows
    assert len(http_endpoint.requests) == attempts
    assert "FailureDescription" not in firehose.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"]


def test_untrusted_certificate_is_a_failure(firehose, s3, server, endpoint, http_endpoint, monkeypatch):
    monkeypatch.setattr(server.runtime.config, "firehose_ca_bundle", None)  # its self-signed CA is no longer trusted
    name = active_delivery_stream(firehose, endpoint,
                                  HttpEndpointDestinationConfiguration=http_config(http_endpoint.url, new_bucket(s3)))
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"x"})
    flush(endpoint, 61)
    assert http_endpoint.requests == []
    failure = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "FailureDescription"]
    assert "HttpEndpoint.ConnectionFailed" in failure["Details"] and "CERTIFICATE" in failure["Details"].upper()
