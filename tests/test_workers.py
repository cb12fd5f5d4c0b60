"""``nimbus serve --workers N``: a primary and front workers on one port, as real processes."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
import threading
import time
from datetime import timedelta

import pytest
import requests
from botocore.exceptions import ClientError

from nimbus.config import available_cores
from nimbus.server import free_port
from tests.support import (
    advance_clock,
    error_of,
    kill_9,
    make_client,
    serve_subprocess,
    start_server,
    unique,
    virtual_now,
    workers_listening,
)

CALLS = 24  # each on a new connection: enough for both processes to accept some


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("workers"), workers=2) as running:
        yield workers_listening(running)


def _fresh(pair, service: str, **kwargs):
    """A client of its own: its connection is new, so either process may accept it."""
    return make_client(pair.endpoint, service, **kwargs)


def _cpu_ticks(pid: int) -> int:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _worker(pair):
    (process,) = pair.pool.processes
    return process


def _lookup(pair, name: str, agent: str) -> list[dict]:
    pair.runtime.events.flush()
    cloudtrail = make_client(pair.endpoint, "cloudtrail")
    events = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
                                      MaxResults=50)["Events"]
    return [event for event in events if agent in event["CloudTrailEvent"]]


def test_the_worker_answers_calls_and_cloudtrail_records_them(pair):
    worker = _worker(pair).pid
    agent = unique("workers-agent")
    bucket = unique("worker-reads")
    _fresh(pair, "s3").create_bucket(Bucket=bucket)
    _fresh(pair, "s3").put_object(Bucket=bucket, Key="k", Body=b"body")
    before = _cpu_ticks(worker)
    deadline = time.monotonic() + 60
    calls = 0
    # The worker's CPU time grows only by what it answers (it runs no background work).
    while _cpu_ticks(worker) - before < 5:
        assert time.monotonic() < deadline, "the front worker answered nothing"
        for _ in range(CALLS):
            _fresh(pair, "sts", user_agent_extra=agent).get_caller_identity()
            calls += 1
            # A GetObject's record, shipped in the same batches, holds its body stream: it must not sink them.
            assert _fresh(pair, "s3").get_object(Bucket=bucket, Key="k")["Body"].read() == b"body"
    deadline = time.monotonic() + 30
    while len(recorded := _lookup(pair, "GetCallerIdentity", agent)) < calls and time.monotonic() < deadline:
        time.sleep(0.1)  # the worker ships its records every few milliseconds
    assert len(recorded) == calls


def test_a_call_answered_anywhere_is_in_event_history_at_once(pair):
    # No flush from the test: LookupEvents' own flush gathers what the worker has not shipped yet.
    key = _fresh(pair, "kms").create_key()["KeyMetadata"]["KeyId"]
    cloudtrail = make_client(pair.endpoint, "cloudtrail")
    for _ in range(CALLS):
        agent = unique("own-writes")
        _fresh(pair, "kms", user_agent_extra=agent).encrypt(KeyId=key, Plaintext=b"x")
        events = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "Encrypt"}],
                                          MaxResults=5)["Events"]
        assert any(agent in event["CloudTrailEvent"] for event in events)


def test_a_key_used_anywhere_is_last_used_at_once(pair):
    iam = _fresh(pair, "iam")
    user = unique("last-used")
    iam.create_user(UserName=user)
    made = iam.create_access_key(UserName=user)["AccessKey"]
    kms_key = _fresh(pair, "kms").create_key()["KeyMetadata"]["KeyId"]
    as_user = {"key": made["AccessKeyId"], "secret": made["SecretAccessKey"]}
    for _ in range(CALLS // 2):  # alternate services, so each read shows the call just made
        _fresh(pair, "sts", **as_user).get_caller_identity()
        assert iam.get_access_key_last_used(AccessKeyId=made["AccessKeyId"])["AccessKeyLastUsed"]["ServiceName"] \
            == "sts"
        _fresh(pair, "kms", **as_user).encrypt(KeyId=kms_key, Plaintext=b"x")
        assert iam.get_access_key_last_used(AccessKeyId=made["AccessKeyId"])["AccessKeyLastUsed"]["ServiceName"] \
            == "kms"


def test_a_kms_key_used_anywhere_shows_its_last_usage_at_once(pair):
    kms = _fresh(pair, "kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(CALLS):
        used = _fresh(pair, "kms").encrypt(KeyId=key, Plaintext=b"x")["ResponseMetadata"]["RequestId"]
        last = kms.get_key_last_usage(KeyId=key)["KeyLastUsage"]
        assert (last["Operation"], last["KmsRequestId"]) == ("Encrypt", used)


def test_request_metrics_of_calls_answered_anywhere_are_read_at_once(pair):
    s3, cloudwatch = _fresh(pair, "s3"), _fresh(pair, "cloudwatch")
    bucket = unique("worker-metrics")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="all", MetricsConfiguration={"Id": "all"})
    now = virtual_now(pair.endpoint)
    for count in range(1, CALLS + 1):
        _fresh(pair, "s3").get_object(Bucket=bucket, Key="k")["Body"].read()
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/S3", MetricName="GetRequests", Statistics=["Sum"], Period=60,
            StartTime=now - timedelta(hours=1), EndTime=now + timedelta(hours=1),
            Dimensions=[{"Name": "BucketName", "Value": bucket}, {"Name": "FilterId", "Value": "all"}])["Datapoints"]
        assert sum(point["Sum"] for point in points) == count


def test_what_calls_record_moves_no_worker_cache(pair):
    """Event history, request metrics and last uses, written for every call, leave the change counter still: a
    worker that saw it move would drop its compiled policies and reload its clock on nearly every request."""
    iam, s3 = _fresh(pair, "iam"), _fresh(pair, "s3")
    user, bucket = unique("quiet-user"), unique("quiet-bucket")
    iam.create_user(UserName=user)
    made = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = {"key": made["AccessKeyId"], "secret": made["SecretAccessKey"]}
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_metrics_configuration(Bucket=bucket, Id="all", MetricsConfiguration={"Id": "all"})
    kms_key = _fresh(pair, "kms").create_key()["KeyMetadata"]["KeyId"]
    pair.runtime.events.flush()
    changes = pair.runtime.counters.read()[0]
    for _ in range(CALLS // 2):  # in both processes: what the worker answers and what the primary does
        _fresh(pair, "sts", **as_user).get_caller_identity()
        _fresh(pair, "kms", **as_user).encrypt(KeyId=kms_key, Plaintext=b"x")
        _fresh(pair, "s3", **as_user).get_object(Bucket=bucket, Key="k")["Body"].read()
        _fresh(pair, "kms", **as_user).list_keys()
    pair.runtime.events.flush()  # every record of those calls is written
    assert iam.get_access_key_last_used(AccessKeyId=made["AccessKeyId"])["AccessKeyLastUsed"]["ServiceName"] \
        in {"sts", "kms", "s3"}
    assert pair.runtime.counters.read()[0] == changes
    iam.tag_user(UserName=user, Tags=[{"Key": "k", "Value": "v"}])  # a change a worker may cache still moves it
    assert pair.runtime.counters.read()[0] > changes


def _raw(pair, request: bytes, timeout: float = 30) -> socket.socket:
    host, port = pair.endpoint.rsplit("/", 1)[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    sock.sendall(request.replace(b"{host}", f"{host}:{port}".encode()))
    return sock


def _answer(sock: socket.socket) -> bytes:
    """All the server sends until it closes the connection (a socket timeout if it never does)."""
    with sock:
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_an_upload_over_the_limit_is_refused_at_once_in_every_process(pair):
    bucket = unique("worker-huge")
    _fresh(pair, "s3").create_bucket(Bucket=bucket)
    for _ in range(CALLS):
        answer = _answer(_raw(pair, f"PUT /{bucket}/huge HTTP/1.1\r\nHost: {{host}}\r\n"
                                           f"Content-Length: {6 * 1024 ** 3}\r\n\r\n".encode()))
        # At once, and the connection closes (its body is never read).
        assert b" 400 " in answer.split(b"\r\n", 1)[0] and b"<Code>EntityTooLarge</Code>" in answer


def test_an_oversized_head_is_refused_in_every_process(pair):
    for _ in range(CALLS):
        answer = _answer(_raw(pair, b"GET / HTTP/1.1\r\nHost: {host}\r\nx-padding: "
                                     + b"a" * (pair.config.max_header_bytes + 1) + b"\r\n\r\n"))
        assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_stalled_upload_is_answered_before_its_body_ends(tmp_path):
    with start_server(tmp_path, workers=2, body_idle_timeout_seconds=1.0) as running:
        workers_listening(running)
        bucket = unique("worker-stalled")
        make_client(running.endpoint, "s3").create_bucket(Bucket=bucket)
        # All at once, so the seconds of waiting overlap; the body stops after 10 of its 1,000 bytes.
        stalled = [_raw(running, f"PUT /{bucket}/k HTTP/1.1\r\nHost: {{host}}\r\nContent-Length: 1000\r\n\r\n"
                                 f"{'x' * 10}".encode()) for _ in range(CALLS)]
        for sock in stalled:
            answer = _answer(sock)
            assert b" 400 " in answer.split(b"\r\n", 1)[0] and b"<Code>RequestTimeout</Code>" in answer


def test_a_key_made_in_the_primary_encrypts_at_once_in_every_process(pair):
    admin = _fresh(pair, "kms")
    for _ in range(CALLS):
        key = admin.create_key()["KeyMetadata"]["KeyId"]
        sealed = _fresh(pair, "kms").encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
        assert _fresh(pair, "kms").decrypt(CiphertextBlob=sealed)["Plaintext"] == b"secret"


def test_a_disabled_key_refuses_at_once_in_every_process(pair):
    admin = _fresh(pair, "kms")
    key = admin.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(CALLS):
        _fresh(pair, "kms").encrypt(KeyId=key, Plaintext=b"x")
    admin.disable_key(KeyId=key)
    for _ in range(CALLS):
        assert error_of(lambda: _fresh(pair, "kms").encrypt(KeyId=key, Plaintext=b"x")).code == "DisabledException"


def test_an_object_overwritten_and_a_bucket_policy_are_read_at_once_in_every_process(pair):
    admin = _fresh(pair, "s3")
    bucket = unique("worker-kept")
    admin.create_bucket(Bucket=bucket)
    for body in (b"first", b"second"):
        admin.put_object(Bucket=bucket, Key="k", Body=body)
        for _ in range(CALLS):
            assert _fresh(pair, "s3").get_object(Bucket=bucket, Key="k")["Body"].read() == body
    admin.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    for _ in range(CALLS):
        assert error_of(lambda: _fresh(pair, "s3").get_object(Bucket=bucket, Key="k")).code == "AccessDenied"


def test_a_deleted_access_key_is_refused_at_once_in_every_process(pair):
    iam = _fresh(pair, "iam")
    user = unique("worker-user")
    iam.create_user(UserName=user)
    made = iam.create_access_key(UserName=user)["AccessKey"]
    key, secret = made["AccessKeyId"], made["SecretAccessKey"]
    for _ in range(CALLS):
        assert _fresh(pair, "sts", key=key, secret=secret).get_caller_identity()["Arn"].endswith(f"user/{user}")
    iam.delete_access_key(UserName=user, AccessKeyId=key)
    for _ in range(CALLS):  # an unknown key is the default account's (not under --strict-auth): no longer the user
        assert not _fresh(pair, "sts", key=key, secret=secret).get_caller_identity()["Arn"].endswith(f"user/{user}")


def test_the_clock_advanced_and_a_reset_reach_every_process(pair):
    s3 = _fresh(pair, "s3")
    bucket = unique("worker-bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600)
    for _ in range(CALLS):
        assert requests.get(url, timeout=30).content == b"hello"
    advance_clock(pair.endpoint, 7200)
    for _ in range(CALLS):
        answer = requests.get(url, timeout=30)
        assert answer.status_code == 403 and b"Request has expired" in answer.content
    key = _fresh(pair, "kms").create_key()["KeyMetadata"]["KeyId"]
    requests.post(f"{pair.endpoint}/_nimbus/reset", json={}, timeout=60).raise_for_status()
    for _ in range(CALLS):
        assert error_of(lambda: _fresh(pair, "kms").encrypt(KeyId=key, Plaintext=b"x")).code == "NotFoundException"
        assert error_of(lambda: _fresh(pair, "s3").get_object(Bucket=bucket, Key="k")).code == "NoSuchBucket"


def test_a_viewer_address_is_believed_only_from_the_workers_socket(pair):
    agent = unique("viewer-agent")
    for _ in range(CALLS):
        client = _fresh(pair, "kms", user_agent_extra=agent)
        client.meta.events.register("before-send.kms.ListKeys", _claim_address)
        client.list_keys()
    recorded = _lookup(pair, "ListKeys", agent)
    assert len(recorded) == CALLS
    assert all('"sourceIPAddress": "127.0.0.1"' in event["CloudTrailEvent"] for event in recorded)
    assert stat.S_IMODE(os.stat(pair.pool.socket_path).st_mode) == 0o600


def _claim_address(request, **_):
    request.headers["x-nimbus-viewer"] = "203.0.113.9 1 https"


def test_a_worker_killed_is_started_again(pair):
    first = _worker(pair).pid
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _worker(pair).pid == first or _worker(pair).poll() is not None:
        assert time.monotonic() < deadline, "the worker was not started again"
        time.sleep(0.1)
    for _ in range(CALLS):
        _fresh(pair, "sts").get_caller_identity()


def test_the_workers_end_with_a_primary_killed(tmp_path):
    primary = serve_subprocess(str(tmp_path / "data"), free_port(), env={**os.environ, "NIMBUS_WORKERS": "2"})
    try:
        workers = _children(primary.pid)
        assert len(workers) == 1
    finally:
        kill_9(primary)
    deadline = time.monotonic() + 30
    while any(os.path.exists(f"/proc/{pid}") and _state(pid) != "Z" for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its primary"
        time.sleep(0.1)


def test_serve_runs_a_process_per_core(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "NIMBUS_WORKERS"}
    port = free_port()
    primary = serve_subprocess(str(tmp_path / "data"), port, env=env)
    try:
        settings = requests.get(f"http://127.0.0.1:{port}/_nimbus/health", timeout=10).json()["settings"]
        assert settings["workers"] == available_cores()
        if available_cores() > 1:
            assert len(_children(primary.pid)) == available_cores() - 1
    finally:
        kill_9(primary)


def test_a_restart_waits_for_the_port_a_moment(tmp_path):
    """The front workers of a nimbus just killed (kill -9) hold the port for the moment they take to exit: a
    nimbus started again at once waits for it rather than calling the port taken."""
    port = free_port()
    leftover = socket.socket()
    leftover.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    leftover.bind(("127.0.0.1", port))
    leftover.listen()
    threading.Timer(1.0, leftover.close).start()
    primary = serve_subprocess(str(tmp_path / "data"), port, env={**os.environ, "NIMBUS_WORKERS": "2"})
    try:
        assert make_client(f"http://127.0.0.1:{port}", "sts").get_caller_identity()["Account"]
    finally:
        kill_9(primary)


def test_a_worker_that_cannot_reach_its_primary_answers_503(tmp_path):
    """An SDK retries a 503 (by then a restarting primary answers); the web server's bare 500 it would not parse."""
    with start_server(tmp_path, workers=2) as running:
        workers_listening(running)
        running.pool._server.should_exit = True  # the primary no longer listens to its workers
        codes = set()
        deadline = time.monotonic() + 60
        while "ServiceUnavailable" not in codes:
            assert time.monotonic() < deadline, f"the worker answered no forwarded call: {codes}"
            try:  # a new connection each time: either process may take it
                make_client(running.endpoint, "kinesis").list_streams()
                codes.add("answered by the primary")
            except ClientError as error:
                codes.add(error.response["Error"]["Code"])
                assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert codes <= {"ServiceUnavailable", "answered by the primary"}, codes


def _children(pid: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and _parent(int(entry)) == pid]
        if found:
            return found
        time.sleep(0.1)
    return []


def _parent(pid: int) -> int | None:
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return None


def _state(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_an_ephemeral_server_serves_alone(tmp_path):
    with start_server(tmp_path, workers=2, ephemeral=True) as running:
        assert running.pool is None
        assert make_client(running.endpoint, "sts").get_caller_identity()["Account"]


def test_the_workers_start_once_the_primary_listens(tmp_path):
    """Each worker's start is a whole interpreter's imports: begun with the primary's, it would compete with it
    for the first answer."""
    running = start_server(tmp_path, workers=2)
    assert running.pool is not None and running.pool.processes == []
    with running:
        workers_listening(running)
        assert len(running.pool.processes) == 1
        assert make_client(running.endpoint, "sts").get_caller_identity()["Account"]
