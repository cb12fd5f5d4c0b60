"""S3's access logs and request metrics read an API-call record's parameters only for a bucket that wants the call
(s3/call_bucket.py): a call to any other bucket leaves its record unredacted, as nobody read it."""
from __future__ import annotations

import pytest

from nimbus.core.events import API_CALL
from tests.support import make_client, start_server, unique


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("s3-unread")) as running:
        yield running


def test_a_call_to_a_bucket_without_logging_or_metrics_is_never_redacted(own):
    s3 = make_client(own.endpoint, "s3")
    quiet, logged = unique("quiet"), unique("logged")
    for name in (quiet, logged):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_logging(Bucket=logged, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": quiet, "TargetPrefix": "logs/"}})
    heard = []
    own.runtime.events.subscribe(API_CALL, heard.append)  # keeps the records, reads nothing
    try:
        for name in (quiet, logged):
            s3.put_object(Bucket=name, Key="k", Body=b"body")
            s3.get_object(Bucket=name, Key="k")["Body"].read()
        own.runtime.events.flush()
    finally:
        own.runtime.events.unsubscribe(API_CALL, heard.append)
    calls = {(e.operation, e.__dict__["request_parameters"]["Bucket"]): e for e in heard
             if e.operation in ("PutObject", "GetObject")}
    assert calls[("PutObject", quiet)].redaction is not None  # never read
    assert calls[("GetObject", quiet)].redaction is not None
    assert calls[("PutObject", logged)].redaction is None  # the access log read it, redacted
