"""S3 GetObject and HeadObject answered on the event loop (gateway/on_loop.py, gateway/direct_answers.py): the
same bytes as the ASGI path sends for every kind of read, answered while every worker thread is busy, and sent
to a worker thread when the work would wait (a large body, a lifecycle sweep due, a blob not in the page cache:
core/needs_thread.py)."""
from __future__ import annotations

import io
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest

from nimbus.core.needs_thread import NeedsThread
from nimbus.services.s3.objects import LOOP_BODY_BYTES
from nimbus.services.s3.storage import BlobStore, _pread_cached
from tests.support import (
    LOOP_READS,
    error_of,
    loop_read,
    make_client,
    raw_exchange,
    s3_request_bytes,
    start_server,
    steady_answer,
    unique,
    virtual_now,
)

BODY = bytes(range(256)) * 16  # 4 KiB


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("s3-on-loop")) as running:
        yield running


@pytest.fixture(scope="module")
def s3(own):
    return make_client(own.endpoint, "s3")


@pytest.fixture(scope="module")
def bucket(s3):
    name = unique("loop")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="small", Body=BODY, ContentType="text/plain", Metadata={"colour": "blue"})
    return name


def direct_count(own) -> int:
    return own.server.config.http_protocol_class.answered


def raw_get(own, path: str, method: str = "GET", asgi: bool = False, **headers: str) -> tuple:
    """A signed read sent by hand; ``asgi``: with an empty chunked body, which only the ASGI path reads."""
    [answer] = raw_exchange(own.config.port, s3_request_bytes(own.endpoint, path, method, asgi=asgi, **headers),
                            [method])
    return answer


@pytest.mark.parametrize("read", LOOP_READS)
def test_a_read_on_the_loop_is_what_the_asgi_path_sends(own, s3, bucket, read):
    path, method, headers = loop_read(read, bucket, "small", s3.head_object(Bucket=bucket, Key="small")["ETag"])
    before = direct_count(own)
    direct = raw_get(own, path, method, **headers)
    assert direct_count(own) == before + 1
    through_asgi = raw_get(own, path, method, asgi=True, **headers)
    assert direct_count(own) == before + 1
    assert steady_answer(direct) == steady_answer(through_asgi)
    assert direct[0].split()[1] == str(LOOP_READS[read]).encode()
    if read == "whole":
        assert direct[2] == BODY and ("x-amz-meta-colour", "blue") in direct[1]
    if read == "range":
        assert direct[2] == BODY[10:100]


@contextmanager
def workers_busy(own):
    """Every worker thread of the server held until the block ends."""
    app = own.server.config.app
    release = threading.Event()
    blockers = [app.executor.submit(release.wait, 30) for _ in range(app.executor._max_workers)]
    try:
        yield
    finally:
        release.set()
        for blocker in blockers:
            blocker.result(timeout=30)


def test_small_reads_are_answered_while_every_worker_thread_is_busy(own, s3, bucket):
    large = unique("large")
    s3.put_object(Bucket=bucket, Key=large, Body=b"L" * (LOOP_BODY_BYTES + 1))
    with ThreadPoolExecutor(2) as side, workers_busy(own):
        waiting_large = side.submit(s3.get_object, Bucket=bucket, Key=large)
        waiting_list = side.submit(s3.list_objects_v2, Bucket=bucket)
        assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == BODY
        assert s3.get_object(Bucket=bucket, Key="small", Range="bytes=-10")["Body"].read() == BODY[-10:]
        assert s3.head_object(Bucket=bucket, Key="small")["ContentLength"] == len(BODY)
        assert error_of(s3.get_object, Bucket=bucket, Key="absent") == ("NoSuchKey", 404)
        # Only the first byte past the bound: the range, not the object's size, decides.
        assert s3.get_object(Bucket=bucket, Key=large, Range=f"bytes=0-{LOOP_BODY_BYTES - 1}")["ContentLength"] == \
            LOOP_BODY_BYTES
        time.sleep(0.2)
        assert not waiting_large.done() and not waiting_list.done()  # a large body, another operation: a thread
    assert waiting_large.result(timeout=30)["Body"].read() == b"L" * (LOOP_BODY_BYTES + 1)
    assert waiting_list.result(timeout=30)["KeyCount"] >= 2


def test_a_lifecycle_sweep_due_takes_a_worker_thread(own, s3):
    name = unique("swept")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="kept", Body=b"k")
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "old", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]})
    with ThreadPoolExecutor(1) as side:
        with workers_busy(own):
            waiting = side.submit(s3.get_object, Bucket=name, Key="kept")
            time.sleep(0.2)
            assert not waiting.done()  # the bucket's first use since its rules: the sweep runs on a thread
        assert waiting.result(timeout=30)["Body"].read() == b"k"
    with workers_busy(own):  # swept now: the next read stays on the loop
        assert s3.get_object(Bucket=name, Key="kept")["Body"].read() == b"k"


def test_a_blob_not_in_the_page_cache_is_not_read_on_the_loop(tmp_path):
    blobs = BlobStore(str(tmp_path))
    written = blobs.write(io.BytesIO(BODY))
    path = blobs._path(written.segment["id"])
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)  # the written (and synced) pages let go
    finally:
        os.close(descriptor)
    with pytest.raises(NeedsThread):
        b"".join(blobs.read([written.segment], cached_only=True))
    assert b"".join(blobs.read([written.segment])) == BODY  # a worker thread's read waits for the disk
    assert b"".join(blobs.read([written.segment], cached_only=True)) == BODY  # and leaves it in the cache


def test_a_file_system_that_cannot_read_without_waiting_sends_the_read_to_a_thread():
    # /proc refuses RWF_NOWAIT (EOPNOTSUPP) as some overlay and FUSE file systems a data dir may sit on do.
    descriptor = os.open("/proc/self/status", os.O_RDONLY)
    try:
        with pytest.raises(NeedsThread):
            _pread_cached(descriptor, 64, 0)
    finally:
        os.close(descriptor)


def test_a_read_that_leaves_the_loop_is_counted_once(own, s3):
    name = unique("counted")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_metrics_configuration(Bucket=name, Id="all", MetricsConfiguration={"Id": "all"})
    s3.put_object(Bucket=name, Key="small", Body=b"s")
    s3.put_object(Bucket=name, Key="large", Body=b"L" * (LOOP_BODY_BYTES + 1))
    own.runtime.events.flush()
    cloudwatch = make_client(own.endpoint, "cloudwatch")
    s3.get_object(Bucket=name, Key="small")["Body"].read()  # on the loop
    s3.get_object(Bucket=name, Key="large")["Body"].read()  # tried on the loop, handled on a worker thread

    def gets() -> float:
        own.runtime.events.flush()
        now = virtual_now(own.endpoint)
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/S3", MetricName="GetRequests", Statistics=["Sum"], Period=86400,
            Dimensions=[{"Name": "BucketName", "Value": name}, {"Name": "FilterId", "Value": "all"}],
            StartTime=now - timedelta(days=1), EndTime=now + timedelta(minutes=1))["Datapoints"]
        return sum(point["Sum"] for point in points)

    deadline = time.monotonic() + 20
    while gets() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gets() == 2
