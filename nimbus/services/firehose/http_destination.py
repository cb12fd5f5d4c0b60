"""HTTP endpoint destination: a real POST in Firehose's request format.

Body: ``{"requestId", "timestamp", "records": [{"data": base64}]}`` (optionally GZIP-encoded), headers
``X-Amz-Firehose-Request-Id``, ``X-Amz-Firehose-Access-Key``, ``X-Amz-Firehose-Source-Arn`` and
``X-Amz-Firehose-Common-Attributes``. Success is a 200 whose JSON body echoes ``requestId`` (with a
``timestamp``); anything else is a failure that the scheduler retries for RetryOptions.DurationInSeconds
before the records go to the S3 backup bucket under ``http-endpoint-failed/``.
"""
from __future__ import annotations

import base64
import gzip
import json
import ssl
import urllib.error
import urllib.request
import uuid

from nimbus.services.firehose import s3_destination
from nimbus.services.firehose.buffer import Batch
from nimbus.services.firehose.documents import DeliveryStream
from nimbus.services.firehose.s3_destination import DeliveryError

TIMEOUT_SECONDS = 10.0


def tls_context(extra: str | None) -> ssl.SSLContext:
    """Firehose only posts to HTTPS endpoints with a certificate it trusts; a local endpoint's own CA can be
    added (``Config.firehose_ca_bundle``, a PEM file) on top of the system's trust store."""
    context = ssl.create_default_context()
    if extra:
        context.load_verify_locations(cafile=extra)
    return context


def request(stream: DeliveryStream, config: dict, records: list[bytes], now: float) -> tuple[urllib.request.Request, str]:
    request_id = str(uuid.uuid4())
    body = json.dumps({"requestId": request_id, "timestamp": int(now * 1000),
                       "records": [{"data": base64.b64encode(r).decode()} for r in records]}).encode()
    endpoint = config["EndpointConfiguration"]
    settings = config.get("RequestConfiguration") or {}
    headers = {"Content-Type": "application/json", "X-Amz-Firehose-Request-Id": request_id,
               "X-Amz-Firehose-Source-Arn": stream["DeliveryStreamARN"], "User-Agent": "Amazon Kinesis Data Firehose Agent/1.0"}
    if endpoint.get("AccessKey"):
        headers["X-Amz-Firehose-Access-Key"] = endpoint["AccessKey"]
    attributes = settings.get("CommonAttributes")
    if attributes:
        headers["X-Amz-Firehose-Common-Attributes"] = json.dumps(
            {"commonAttributes": {a["AttributeName"]: a["AttributeValue"] for a in attributes}})
    if settings.get("ContentEncoding") == "GZIP":
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return urllib.request.Request(endpoint["Url"], data=body, headers=headers, method="POST"), request_id


def post(stream: DeliveryStream, config: dict, records: list[bytes], now: float, ca_bundle: str | None) -> None:
    req, request_id = request(stream, config, records, now)
    try:
        # The user's own endpoint, https only (checked at create).
        context = tls_context(ca_bundle)
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS, context=context) as response:  # noqa: S310
            status, payload = response.status, response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        detail = exc.read(512).decode(errors="replace")
        raise DeliveryError("HttpEndpoint.ResponseFailure",
                            f"The endpoint answered HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError("HttpEndpoint.ConnectionFailed", f"Could not reach the endpoint: {exc}") from None
    if status != 200:
        raise DeliveryError("HttpEndpoint.ResponseFailure", f"The endpoint answered HTTP {status}.")
    try:
        answer = json.loads(payload)
    except ValueError:
        raise DeliveryError("HttpEndpoint.InvalidResponseFromDestination",
                            "The response is not JSON with requestId and timestamp.") from None
    if not isinstance(answer, dict) or answer.get("requestId") != request_id or "timestamp" not in answer:
        raise DeliveryError("HttpEndpoint.InvalidResponseFromDestination",
                            f"The response's requestId does not match {request_id}.")


def deliver(runtime, stream: DeliveryStream, config: dict, batch: Batch) -> None:
    post(stream, config, batch.records, runtime.clock.time(), runtime.config.firehose_ca_bundle)
    if config.get("S3BackupMode") == "AllData":
        s3_destination.plain(runtime, stream, config["S3Configuration"], batch, batch.records, batch.arrivals,
                             part="backup")
