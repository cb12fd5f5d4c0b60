"""A front worker answers S3 GetObject and HeadObject as the primary does (gateway/direct_answers.py): on its event
loop, straight from the connection, in the bytes the primary and the ASGI path send; after it has followed what its
primary changed; and a read that turns out to need a worker thread or the primary takes the path that does."""
from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest

from nimbus.services.s3.objects import LOOP_BODY_BYTES
from tests.support import (
    LOOP_READS,
    connection_held_by,
    loop_read,
    make_client,
    new_bucket,
    read_answers,
    s3_request_bytes,
    start_with_a_worker,
    steady_answer,
    thread_ticks,
    unique,
)

BODY = bytes(range(256)) * 16  # 4 KiB
LARGE = b"L" * (LOOP_BODY_BYTES + 1)
READS_ON_ONE_CONNECTION = 1500


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with start_with_a_worker(tmp_path_factory.mktemp("s3-workers")) as running:
        yield running


@pytest.fixture(scope="module")
def s3(pair):
    return make_client(pair.endpoint, "s3")


@pytest.fixture(scope="module")
def bucket(s3):
    name = new_bucket(s3, "worker-reads")
    s3.put_object(Bucket=name, Key="small", Body=BODY, ContentType="text/plain", Metadata={"colour": "blue"})
    s3.put_object(Bucket=name, Key="large", Body=LARGE)
    return name


@pytest.fixture(scope="module")
def worker(pair):
    with connection_held_by(pair, worker=True) as sock:
        yield sock


@pytest.fixture(scope="module")
def primary(pair):
    with connection_held_by(pair, worker=False) as sock:
        yield sock


def exchange(sock: socket.socket, data: bytes, method: str = "GET") -> tuple:
    sock.sendall(data)
    [answer] = read_answers(sock, [method])
    return answer


def worker_published(pair) -> int:
    """API-call (and metric) records the front worker has made: none for a call it handed to the primary."""
    return pair.runtime.counters.records(0)[0]


# Beyond the reads the primary answers on its loop: one its authorizer refuses, and one too large for the loop.
STATUSES = {**LOOP_READS, "anonymous": 403, "large": 200}


@pytest.mark.parametrize("read", STATUSES)
def test_the_worker_answers_a_read_as_the_primary_and_its_asgi_path_do(pair, s3, bucket, worker, primary, read):
    etag = s3.head_object(Bucket=bucket, Key="small")["ETag"]
    path, method, headers = loop_read(read if read in LOOP_READS else "whole", bucket, "small", etag)
    sign = read != "anonymous"
    if read == "large":
        path = f"/{bucket}/large"
    published = worker_published(pair)
    from_worker = exchange(worker, s3_request_bytes(pair.endpoint, path, method, sign=sign, **headers), method)
    assert worker_published(pair) > published  # answered there, not handed to the primary
    through_asgi = exchange(worker, s3_request_bytes(pair.endpoint, path, method, asgi=True, sign=sign, **headers),
                            method)
    from_primary = exchange(primary, s3_request_bytes(pair.endpoint, path, method, sign=sign, **headers), method)
    assert steady_answer(from_worker) == steady_answer(from_primary) == steady_answer(through_asgi)
    assert from_worker[0].split()[1] == str(STATUSES[read]).encode()
    body = {"whole": BODY, "range": BODY[10:100], "overridden": BODY, "large": LARGE}.get(read)
    if body is not None:
        assert from_worker[2] == body


def test_the_worker_reads_what_the_primary_changed_at_once(pair, bucket, worker, primary):
    def through_primary(method: str, path: str, body: bytes = b"") -> None:
        status = exchange(primary, s3_request_bytes(pair.endpoint, path, method, body), method)[0]
        assert status.split()[1] in (b"200", b"204"), status

    def read() -> tuple:
        return exchange(worker, s3_request_bytes(pair.endpoint, f"/{bucket}/changing"))

    # The worker keeps the object's and the bucket's documents decoded: the writes reach it through no request of
    # its own, only through the change counter it reads first.
    for round_ in range(3):
        body = f"version {round_}".encode() * (round_ + 1)
        through_primary("PUT", f"/{bucket}/changing", body)
        assert read()[2] == body
    through_primary("PUT", f"/{bucket}?policy", json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/changing"}]}).encode())
    assert read()[0].split()[1] == b"403"
    through_primary("DELETE", f"/{bucket}?policy")
    assert read()[0].split()[1] == b"200"


def test_a_read_whose_lifecycle_sweep_writes_is_answered_by_the_primary(pair, s3, worker, primary):
    name = unique("swept")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "gone", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
         "Expiration": {"Date": datetime(2020, 1, 1, tzinfo=UTC)}}]})
    s3.put_object(Bucket=name, Key="kept", Body=b"k")
    s3.put_object(Bucket=name, Key="tmp/expired", Body=b"e")
    published = worker_published(pair)
    # The worker's first read of the bucket sweeps it, which deletes tmp/expired: a write, so the primary answers.
    from_worker = exchange(worker, s3_request_bytes(pair.endpoint, f"/{name}/kept"))
    assert worker_published(pair) == published
    from_primary = exchange(primary, s3_request_bytes(pair.endpoint, f"/{name}/kept"))
    assert steady_answer(from_worker) == steady_answer(from_primary)
    assert from_worker[2] == b"k"


def test_a_read_the_worker_cannot_route_is_answered_by_the_primary(pair, bucket, worker, primary):
    # Signed for S3 (so tried on the loop), but with no signature: routing fails, and the primary words the error.
    broken = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/s3/aws4_request",
              "X-Amz-Date": "20261207T000000Z"}
    read = s3_request_bytes(pair.endpoint, f"/{bucket}/small", sign=False, **broken)
    published = worker_published(pair)
    from_worker = exchange(worker, read)
    assert worker_published(pair) == published
    from_primary = exchange(primary, read)
    assert steady_answer(from_worker) == steady_answer(from_primary)
    assert from_worker[0].split()[1] in (b"400", b"403")


def test_the_worker_answers_reads_on_its_event_loop(pair, bucket, worker):
    (process,) = pair.pool.processes
    read = s3_request_bytes(pair.endpoint, f"/{bucket}/small")
    before = thread_ticks(process.pid)
    for _ in range(READS_ON_ONE_CONNECTION):
        status, _, body = exchange(worker, read)
        assert status.split()[1] == b"200" and body == BODY
    after = thread_ticks(process.pid)
    spent = {thread: ticks - before.get(thread, 0) for thread, ticks in after.items()}
    # On the ASGI path each read's handling (SigV4, S3, serialising) ran on a thread of the pool, more than half of
    # the worker's CPU; on the loop only the shipping of records is left to another thread.
    loop = spent.pop(process.pid)
    assert loop >= 4 * sum(spent.values()), (loop, spent)
