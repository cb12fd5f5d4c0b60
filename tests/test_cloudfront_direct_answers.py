"""Fresh hits written straight to the connection (gateway/direct_answers.py): the same bytes as the ASGI
path sends, keep-alive, HTTP/1.0 and ``Connection: close`` as before, pipelined answers in order, and
every change to a distribution (disabled, invalidated) seen at the next hit."""
from __future__ import annotations

import socket
import time

import pytest

from tests.support import (
    advance_clock,
    distribution_config,
    edge_request,
    legacy_behaviour,
    make_client,
    public_origin_bucket,
    raw_exchange,
    read_answers,
    s3_origin,
    start_server,
)
from tests.support import request_head as head

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS's managed CachingOptimized
SECURITY_HEADERS_POLICY = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # AWS's managed SecurityHeadersPolicy
PER_REQUEST = {"date", "age", "x-amz-cf-id"}  # what differs from one answer to the next


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """A server of the module's own (its direct answers counted alone), a distribution with a response
    headers policy, and its object fetched once (a miss)."""
    with start_server(tmp_path_factory.mktemp("direct")) as own:
        s3, cloudfront = make_client(own.endpoint, "s3"), make_client(own.endpoint, "cloudfront")
        bucket = public_origin_bucket(s3, "direct")
        s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>page</p>" * 1000, ContentType="text/html")
        created = cloudfront.create_distribution(DistributionConfig=distribution_config(
            [s3_origin("s3", bucket)], legacy_behaviour("s3", ResponseHeadersPolicyId=SECURITY_HEADERS_POLICY)))
        distribution = created["Distribution"]
        assert edge_request(own.endpoint, distribution, "GET", "/page.html").headers["X-Cache"] == \
            "Miss from cloudfront"
        yield own, s3, cloudfront, bucket, created


def direct_count(own) -> int:
    return own.server.config.http_protocol_class.answered


def exchange(own, data: bytes, methods: list[str]):
    return raw_exchange(own.config.port, data, methods)


def direct_exchange(own, data: bytes, methods: list[str]):
    """``exchange``, again until it was answered directly: the edge answers directly only for a distribution
    it looked up within the last second (recent_names.py), which a loaded machine may let pass."""
    deadline = time.monotonic() + 30
    while True:
        before = direct_count(own)
        answers = exchange(own, data, methods)
        if direct_count(own) > before or time.monotonic() > deadline:
            return answers


def steady(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, "<varies>" if name in PER_REQUEST else value) for name, value in headers]


def path_of(created, path: str = "/page.html") -> str:
    return f"/_cloudfront/{created['Distribution']['Id']}{path}"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_direct_answer_is_what_the_asgi_path_sends(edge, method):
    own, _, _, _, created = edge
    [direct] = direct_exchange(own, head(method, path_of(created)), [method])
    before = direct_count(own)
    # An empty chunked body is the same request to the edge, but only the ASGI path reads bodies.
    [through_asgi] = exchange(own, head(method, path_of(created), "1.1", "Transfer-Encoding: chunked") +
                              b"0\r\n\r\n", [method])
    assert direct_count(own) == before
    assert direct[0] == through_asgi[0] == b"HTTP/1.1 200 OK"
    assert steady(direct[1]) == steady(through_asgi[1]) and direct[2] == through_asgi[2]
    names = [name for name, _ in direct[1]]
    assert names[:2] == ["date", "server"] and "strict-transport-security" in names
    assert dict(direct[1])["x-cache"] == "Hit from cloudfront"
    assert direct[2] == (b"" if method == "HEAD" else b"<p>page</p>" * 1000)


@pytest.mark.parametrize("version, extra", [("1.0", ()), ("1.1", ("Connection: close",))])
def test_a_closing_request_is_answered_then_closed(edge, version, extra):
    own, _, _, _, created = edge
    [kept] = direct_exchange(own, head("GET", path_of(created)), ["GET"])
    before = direct_count(own)
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        sock.sendall(head("GET", path_of(created), version, *extra))
        [closed] = read_answers(sock, ["GET"])
        assert sock.recv(1) == b""  # the server closed its end
    assert direct_count(own) <= before + 1
    assert steady(closed[1]) == steady(kept[1]) + [("connection", "close")] and closed[2] == kept[2]


def test_keep_alive_across_many_hits(edge):
    own, _, _, _, created = edge
    before = direct_count(own)
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        for _ in range(200):
            sock.sendall(head("GET", path_of(created)))
            [(status, headers, _)] = read_answers(sock, ["GET"])
            assert status == b"HTTP/1.1 200 OK" and dict(headers)["x-cache"] == "Hit from cloudfront"
    assert direct_count(own) == before + 200


def test_pipelined_answers_keep_their_order(edge):
    """A miss goes to a worker thread: the hits behind it wait for it rather than overtaking it."""
    own, s3, _, bucket, created = edge
    s3.put_object(Bucket=bucket, Key="later.txt", Body=b"later")
    before = direct_count(own)
    methods = ["GET", "GET", "HEAD", "GET", "GET"]
    answers = exchange(own, head("GET", path_of(created)) + head("GET", path_of(created, "/later.txt")) +
                       head("HEAD", path_of(created)) + head("GET", path_of(created, "/later.txt")) +
                       head("GET", path_of(created, "/absent")), methods)
    assert [(dict(h)["x-cache"], body[:8]) for _, h, body in answers] == [
        ("Hit from cloudfront", b"<p>page<"), ("Miss from cloudfront", b"later"), ("Hit from cloudfront", b""),
        ("Hit from cloudfront", b"later"), ("Error from cloudfront", answers[4][2][:8])]
    assert answers[4][0] == b"HTTP/1.1 403 Forbidden"
    assert direct_count(own) == before + 1  # only the first: the others queued behind the miss


def test_clients_closing_early_leave_the_edge_serving(edge):
    own, _, _, _, created = edge
    for data in (head("GET", path_of(created)), head("GET", path_of(created))[:20]):
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.sendall(data)  # and gone at once, with a reset
    [(status, headers, _)] = exchange(own, head("GET", path_of(created)), ["GET"])
    assert status == b"HTTP/1.1 200 OK" and dict(headers)["x-cache"] == "Hit from cloudfront"


def test_changes_to_the_distribution_seen_at_the_next_hit(edge):
    own, s3, cloudfront, bucket, created = edge
    s3.put_object(Bucket=bucket, Key="changing.txt", Body=b"one")
    distribution = created["Distribution"]
    assert edge_request(own.endpoint, distribution, "GET", "/changing.txt").content == b"one"
    s3.put_object(Bucket=bucket, Key="changing.txt", Body=b"two")
    [(_, _, body)] = exchange(own, head("GET", path_of(created, "/changing.txt")), ["GET"])
    assert body == b"one"  # cached
    cloudfront.create_invalidation(DistributionId=distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/changing.txt"]}, "CallerReference": str(time.time())})
    [(_, headers, body)] = exchange(own, head("GET", path_of(created, "/changing.txt")), ["GET"])
    assert (dict(headers)["x-cache"], body) == ("Miss from cloudfront", b"two")
    advance_clock(own.endpoint, 86401)  # past the default TTL: stale, revalidated on a worker thread
    [(_, headers, _)] = exchange(own, head("GET", path_of(created, "/changing.txt")), ["GET"])
    assert dict(headers)["x-cache"] == "RefreshHit from cloudfront"
    current = cloudfront.get_distribution_config(Id=distribution["Id"])
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=current["ETag"],
                                   DistributionConfig={**current["DistributionConfig"], "Enabled": False})
    # The first looks the distribution up again, the next answer directly.
    [(status, _, _)] = exchange(own, head("GET", path_of(created)), ["GET"])
    before = direct_count(own)
    [(again, _, _)] = direct_exchange(own, head("GET", path_of(created)), ["GET"])
    assert status == again == b"HTTP/1.1 403 Forbidden" and direct_count(own) > before


def test_each_request_keeps_its_own_variant(edge):
    """What the edge decided for one request is never another's: here the compressed and the identity
    variants of one object, requested in turns, each answered directly."""
    own, s3, cloudfront, bucket, _ = edge
    s3.put_object(Bucket=bucket, Key="text.txt", Body=b"compressible " * 200, ContentType="text/plain")
    created = cloudfront.create_distribution(DistributionConfig=distribution_config(
        [s3_origin("s3", bucket)], {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all", "Compress": True,
                                    "CachePolicyId": CACHING_OPTIMIZED}))
    gzip, identity = head("GET", path_of(created, "/text.txt"), "1.1", "Accept-Encoding: gzip"), \
        head("GET", path_of(created, "/text.txt"), "1.1", "Accept-Encoding: identity")
    exchange(own, gzip + identity, ["GET", "GET"])  # the misses that fill the cache
    direct_exchange(own, gzip, ["GET"])
    before = direct_count(own)
    answers = exchange(own, identity + gzip + identity, ["GET"] * 3)
    assert [dict(h).get("content-encoding") for _, h, _ in answers] == [None, "gzip", None]
    assert answers[0][2] == answers[2][2] == b"compressible " * 200 and direct_count(own) > before


def test_no_direct_answers_when_proxy_headers_are_trusted(tmp_path):
    """With --trust-proxy uvicorn rewrites the client's address from X-Forwarded-For: only the ASGI path
    sees that address, so every hit takes it."""
    with start_server(tmp_path, trust_proxy=True) as own:
        s3, cloudfront = make_client(own.endpoint, "s3"), make_client(own.endpoint, "cloudfront")
        bucket = public_origin_bucket(s3, "proxied")
        s3.put_object(Bucket=bucket, Key="page", Body=b"page")
        created = cloudfront.create_distribution(DistributionConfig=distribution_config(
            [s3_origin("s3", bucket)], legacy_behaviour("s3")))
        answers = exchange(own, head("GET", path_of(created, "/page")) * 3, ["GET"] * 3)
        assert [dict(h)["x-cache"] for _, h, _ in answers] == ["Miss from cloudfront"] + ["Hit from cloudfront"] * 2
        assert direct_count(own) == 0
