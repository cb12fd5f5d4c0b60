"""Quick operations run on the event loop (gateway/on_loop.py): they are answered while every worker thread is
busy, and anything else (another operation, a large body) still waits for a worker thread."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from nimbus.gateway.on_loop import MAX_BODY_BYTES, LoopOperations
from nimbus.protocol.http import HttpRequest
from tests.support import active_stream, make_client, read_shard, signed, start_server

KINESIS = "Kinesis_20131202"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("on-loop")) as running:
        yield running


@pytest.fixture(scope="module")
def operations(own):
    return LoopOperations(own.runtime.services)


def _json(target: str, body: bytes = b"{}") -> HttpRequest:
    return HttpRequest("POST", "/", headers={"x-amz-target": target, "content-type": "application/x-amz-json-1.1"},
                       body=body)


def _query(service: str, body: bytes) -> HttpRequest:
    credential = f"Credential=test/20261207/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    return HttpRequest("POST", "/", headers={"content-type": FORM, "authorization": f"AWS4-HMAC-SHA256 {credential}"},
                       body=body)


def test_the_quick_operations_services_name_are_admitted(operations):
    assert operations.admits(_json(f"{KINESIS}.PutRecord"))
    assert operations.admits(_json("TrentService.Encrypt"))
    assert operations.admits(_query("sts", b"Action=GetCallerIdentity&Version=2011-06-15"))


def test_other_operations_and_large_bodies_take_a_worker_thread(operations):
    assert not operations.admits(_json(f"{KINESIS}.PutRecords"))
    assert not operations.admits(_json(f"{KINESIS}.DescribeStreamSummary"))
    assert not operations.admits(_json("TrentService.GenerateDataKeyPair"))
    assert not operations.admits(_json(f"{KINESIS}.PutRecord", b" " * (MAX_BODY_BYTES + 1)))
    assert not operations.admits(_query("sts", b"Action=AssumeRole&Version=2011-06-15"))
    assert not operations.admits(_query("iam", b"Action=GetCallerIdentity&Version=2010-05-08"))


def _read(method: str, service: str | None, body: bytes = b"") -> HttpRequest:
    credential = f"Credential=test/20261207/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    return HttpRequest(method, "/bucket/key", headers={"authorization": f"AWS4-HMAC-SHA256 {credential}"} if service
                       else {}, body=body)


def test_bodyless_reads_of_a_rest_service_with_quick_reads_are_admitted_for_routing_to_confirm(operations):
    assert operations.admits(_read("GET", "s3")) and operations.admits(_read("HEAD", "s3"))
    assert operations.admits(_read("GET", None))  # presigned or anonymous: routing decides
    assert not operations.admits(_read("GET", "cloudfront"))
    assert not operations.admits(_read("GET", "s3", b"x"))
    assert not operations.admits(_read("PUT", "s3"))
    assert operations.confirms("s3", "GetObject") and operations.confirms("kms", "Encrypt")
    assert not operations.confirms("s3", "ListObjectsV2") and not operations.confirms("s3", "PutObject")


def test_a_quick_operation_is_answered_while_every_worker_thread_is_busy(own):
    kinesis, kms, sts = (make_client(own.endpoint, name) for name in ("kinesis", "kms", "sts"))
    stream = active_stream(kinesis, own.endpoint, "loop")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    app = own.server.config.app
    release = threading.Event()
    blockers = [app.executor.submit(release.wait, 30) for _ in range(app.executor._max_workers)]
    with ThreadPoolExecutor(1) as side:
        waiting = side.submit(kinesis.describe_stream_summary, StreamName=stream)
        try:
            put = kinesis.put_record(StreamName=stream, Data=b"r", PartitionKey="k")
            sealed = kms.encrypt(KeyId=key, Plaintext=b"p")["CiphertextBlob"]
            assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"p"
            assert sts.get_caller_identity()["Account"]
            time.sleep(0.2)
            assert not waiting.done()  # an operation not named quick still waits for a worker thread
        finally:
            release.set()
        assert waiting.result(timeout=30)["StreamDescriptionSummary"]["StreamName"] == stream
    for blocker in blockers:
        blocker.result(timeout=30)
    records = read_shard(kinesis, stream, put["ShardId"])
    assert [(r["Data"], r["SequenceNumber"]) for r in records] == [(b"r", put["SequenceNumber"])]


def test_a_call_admitted_that_routes_to_another_operation_takes_a_worker_thread(own):
    # The body names a quick operation but the query's Action, which routing reads first, does not.
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    url, headers = signed(own.endpoint, "sts", path="/?Action=GetSessionToken&Version=2011-06-15", body=body,
                          headers={"Content-Type": FORM})
    app = own.server.config.app
    release = threading.Event()
    blockers = [app.executor.submit(release.wait, 30) for _ in range(app.executor._max_workers)]
    with ThreadPoolExecutor(1) as side:
        waiting = side.submit(requests.post, url, data=body, headers=headers, timeout=30)
        try:
            time.sleep(0.2)
            assert not waiting.done()
        finally:
            release.set()
        answer = waiting.result(timeout=30)
    for blocker in blockers:
        blocker.result(timeout=30)
    assert b"GetSessionToken" in answer.content and b"GetCallerIdentity" not in answer.content
