"""Hostile clients on raw sockets cannot stall the server or lock others out, before any authentication:
heads too large or too slow, bodies that stall or trickle, bodies past the memory budget, and more
connections than the process has descriptors for.

Every wait is bounded: sockets have timeouts and each loop a deadline."""
from __future__ import annotations

import resource
import select
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests

from nimbus.server import free_port
from tests.support import make_client, serve_subprocess, start_server

# Short limits, so each refusal comes within a second or two.
QUICK = {"header_timeout_seconds": 1.0, "body_idle_timeout_seconds": 1.0, "body_min_bytes_per_second": 200,
         "max_header_bytes": 8192}
SLACK = 10.0  # how much longer than its limit a refusal may take on a loaded machine


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("quick"), **QUICK) as running:
        yield running.endpoint


def connect(endpoint: str) -> socket.socket:
    where = urlsplit(endpoint)
    return socket.create_connection((where.hostname, where.port), timeout=SLACK)


def answer(sock: socket.socket, within: float = SLACK) -> bytes:
    """What the server sends before it closes the connection (or ``within`` seconds pass)."""
    data, deadline = b"", time.monotonic() + within
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def closed_by_server(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


def served(endpoint: str) -> bool:
    """Whether another client is answered at once."""
    return requests.get(f"{endpoint}/_nimbus/health", timeout=SLACK).status_code == 200


def test_a_head_past_the_cap_is_refused(quick):
    with connect(quick) as sock:
        sock.sendall(b"GET /_nimbus/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        assert answer(sock).startswith(b"HTTP/1.1 431 ")
    with connect(quick) as sock:  # an endless stream of small headers is cut off the same way
        sock.sendall(b"GET /_nimbus/health HTTP/1.1\r\nHost: x\r\n")
        sent = 0
        while sent < 1_000_000 and not closed_by_server(sock):
            try:
                sock.sendall(b"X-Pad: %d\r\n" % sent)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
        assert sent * 8 < 1_000_000 and answer(sock).startswith(b"HTTP/1.1 431 ")
    assert served(quick)


def test_a_head_that_stalls_or_trickles_is_cut_off(quick):
    with connect(quick) as silent, connect(quick) as stalled, connect(quick) as trickle:
        started = time.monotonic()
        stalled.sendall(b"GET /_nimbus/health HTTP/1.1\r\nHost: x\r\n")
        header = b"X-Slow: " + b"s" * 100
        for byte in header:  # one byte every 0.1 s: never idle for long, never done
            if closed_by_server(trickle) or time.monotonic() - started > SLACK:
                break
            try:
                trickle.send(b"GET / HTTP/1.1\r\n" if byte == header[0] else bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.1)
            assert served(quick)
        assert answer(stalled).startswith(b"HTTP/1.1 408 ")
        assert answer(trickle).startswith(b"HTTP/1.1 408 ")
        assert answer(silent) == b""  # said nothing, so is told nothing: closed
        assert time.monotonic() - started < QUICK["header_timeout_seconds"] + SLACK


def test_a_body_that_stalls_or_trickles_is_cut_off_while_others_are_served(quick):
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n" \
           b"X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 100000\r\n\r\n"
    with connect(quick) as stalled, connect(quick) as trickle:
        stalled.sendall(head + b"{")
        trickle.sendall(head)
        started = time.monotonic()
        sent = 0
        while not closed_by_server(trickle) and time.monotonic() - started < SLACK:
            try:
                trickle.send(b" ")  # 5 bytes a second, far under body_min_bytes_per_second
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            assert served(quick)
            time.sleep(0.2)
        for sock in (stalled, trickle):
            reply = answer(sock)
            assert reply.startswith(b"HTTP/1.1 400 ") and b"RequestTimeout" in reply
            assert b"connection: close" in reply.lower()
        assert time.monotonic() - started < SLACK and sent < 100


def test_bodies_past_the_memory_budget_are_refused_or_spooled(tmp_path):
    with start_server(tmp_path, max_buffered_body_bytes=3 * 1024 * 1024, body_idle_timeout_seconds=SLACK,
                      body_min_bytes_per_second=1) as own:
        head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n" \
               b"X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 4000000\r\n\r\n"
        with connect(own.endpoint) as first, connect(own.endpoint) as second:
            first.sendall(head + b" " * 2_000_000)  # held in memory, waiting for the rest
            time.sleep(0.5)
            second.sendall(head)
            sent = 0
            while sent < 4_000_000 and not closed_by_server(second):
                try:
                    second.sendall(b" " * 65536)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += 65536
            refused = answer(second)
            assert refused.startswith(b"HTTP/1.1 503 ") and b"SlowDown" in refused, refused
            assert not closed_by_server(first), answer(first)
        # An upload past the budget goes to disk instead.
        s3 = make_client(own.endpoint, "s3")
        s3.create_bucket(Bucket="budget")
        s3.put_object(Bucket="budget", Key="big", Body=b"b" * (4 * 1024 * 1024))
        assert s3.head_object(Bucket="budget", Key="big")["ContentLength"] == 4 * 1024 * 1024
        assert served(own.endpoint)


def _few_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


def test_more_connections_than_descriptors_do_not_lock_others_out(tmp_path):
    port = free_port()
    process = serve_subprocess(str(tmp_path / "data"), port, preexec_fn=_few_descriptors)
    endpoint = f"http://127.0.0.1:{port}"
    crowd: list[socket.socket] = []
    try:
        for _ in range(200):  # more than the server's 128 descriptors, each still sending its head
            sock = connect(endpoint)
            sock.sendall(b"GET /_nimbus/health HTTP/1.1\r\n")
            crowd.append(sock)
        assert served(endpoint)
        assert make_client(endpoint, "sts").get_caller_identity()["Account"]
        time.sleep(0.5)
        assert sum(closed_by_server(sock) for sock in crowd) >= 200 - 64  # the oldest made room
    finally:
        for sock in crowd:
            sock.close()
        process.kill()
        process.wait(timeout=10)
