"""Fresh hits answered from the exact bytes of a head seen before (gateway/raw_heads.py, cloudfront's
raw_hits.py): the same answer as the direct and ASGI paths, every change seen at the next request, a plan
only for the same peer and for a whole head read on an idle connection, and keep-alive kept."""
from __future__ import annotations

import socket
import time

import pytest

from nimbus.services.cloudfront import recent_names
from tests.support import (
    advance_clock,
    distribution_config,
    legacy_behaviour,
    make_client,
    public_origin_bucket,
    raw_exchange,
    read_answers,
    request_head,
    s3_origin,
    start_server,
)

PER_ANSWER = {"date", "age", "x-amz-cf-id"}
TTL = 600


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """A server of the module's own (its answers counted alone) with a short keep-alive timeout, and a
    distribution with a TTL of ``TTL`` seconds."""
    with start_server(tmp_path_factory.mktemp("raw"), keep_alive_seconds=2) as own:
        s3, cloudfront = make_client(own.endpoint, "s3"), make_client(own.endpoint, "cloudfront")
        bucket = public_origin_bucket(s3, "raw")
        s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>page</p>" * 1000, ContentType="text/html")
        created = cloudfront.create_distribution(DistributionConfig=distribution_config(
            [s3_origin("s3", bucket)], legacy_behaviour("s3", default_ttl=TTL)))
        yield own, s3, cloudfront, bucket, created["Distribution"]


def counts(own) -> tuple[int, int]:
    """Requests answered from plans, and directly (plans included), since the server started."""
    protocol = own.server.config.http_protocol_class
    return protocol.raw_answered, protocol.answered


def path_of(distribution, path: str = "/page.html") -> str:
    return f"/_cloudfront/{distribution['Id']}{path}"


def exchange(own, data: bytes, methods: list[str], source: str | None = None):
    return raw_exchange(own.config.port, data, methods, source)


def from_plan(own, data: bytes, methods: list[str]):
    """``exchange``, again until answered from a plan: the first requests make it (the edge plans only for a
    distribution it looked up within the last second, which a loaded machine may let pass)."""
    deadline = time.monotonic() + 30
    while True:
        before = counts(own)[0]
        answers = exchange(own, data, methods)
        if counts(own)[0] > before:
            return answers
        assert time.monotonic() < deadline, "never answered from a plan"


def steady(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, "<varies>" if name in PER_ANSWER else value) for name, value in headers]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_repeated_request_is_answered_from_its_plan_as_before(edge, method):
    own, _, _, _, distribution = edge
    data = request_head(method, path_of(distribution))
    [planned] = from_plan(own, data, [method])
    [again] = from_plan(own, data, [method])
    before = counts(own)
    # An empty chunked body is the same request to the edge, but only the ASGI path reads bodies.
    [through_asgi] = exchange(own, request_head(method, path_of(distribution), "1.1", "Transfer-Encoding: chunked")
                              + b"0\r\n\r\n", [method])
    assert counts(own) == before
    assert planned[0] == through_asgi[0] == b"HTTP/1.1 200 OK"
    assert steady(planned[1]) == steady(through_asgi[1]) and planned[2] == through_asgi[2]
    assert [name for name, _ in planned[1]][:2] == ["date", "server"]
    assert dict(planned[1])["x-cache"] == "Hit from cloudfront" and dict(planned[1])["age"].isdigit()
    ids = {dict(answer[1])["x-amz-cf-id"] for answer in (planned, again, through_asgi)}
    assert len(ids) == 3 and all(len(i) == 56 for i in ids)
    assert planned[2] == (b"" if method == "HEAD" else b"<p>page</p>" * 1000)


def test_changes_are_seen_at_the_next_request(edge):
    own, s3, cloudfront, bucket, distribution = edge
    s3.put_object(Bucket=bucket, Key="changing.txt", Body=b"one")
    data = request_head("GET", path_of(distribution, "/changing.txt"))
    [(_, _, body)] = from_plan(own, data, ["GET"])
    assert body == b"one"
    s3.put_object(Bucket=bucket, Key="changing.txt", Body=b"two")
    cloudfront.create_invalidation(DistributionId=distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/changing.txt"]}, "CallerReference": str(time.time())})
    [(_, headers, body)] = exchange(own, data, ["GET"])
    assert (dict(headers)["x-cache"], body) == ("Miss from cloudfront", b"two")
    [(_, headers, body)] = from_plan(own, data, ["GET"])
    assert (dict(headers)["x-cache"], body) == ("Hit from cloudfront", b"two")
    # A new version at the origin, seen once the cached one expires on the virtual clock.
    s3.put_object(Bucket=bucket, Key="changing.txt", Body=b"three")
    advance_clock(own.endpoint, TTL + 1)
    before = counts(own)[0]
    [(_, headers, body)] = exchange(own, data, ["GET"])
    assert (dict(headers)["x-cache"], body, counts(own)[0]) == ("Miss from cloudfront", b"three", before)
    # A change to the distribution: disabled, it answers 403 at once.
    current = cloudfront.get_distribution_config(Id=distribution["Id"])
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=current["ETag"],
                                   DistributionConfig={**current["DistributionConfig"], "Enabled": False})
    [(status, _, _)] = exchange(own, data, ["GET"])
    assert status == b"HTTP/1.1 403 Forbidden" and counts(own)[0] == before
    current = cloudfront.get_distribution_config(Id=distribution["Id"])
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=current["ETag"],
                                   DistributionConfig={**current["DistributionConfig"], "Enabled": True})


def test_only_a_whole_head_on_an_idle_connection_is_looked_up(edge):
    """The bytes of a known head that continue another request, or come in two reads, are parsed."""
    own, _, _, _, distribution = edge
    data = request_head("GET", path_of(distribution))
    from_plan(own, data, ["GET"])
    before = counts(own)[0]
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        sock.sendall(data[:12])
        time.sleep(0.2)  # the two parts arrive in two reads
        sock.sendall(data[12:])
        [(status, headers, _)] = read_answers(sock, ["GET"])
    assert (status, dict(headers)["x-cache"]) == (b"HTTP/1.1 200 OK", "Hit from cloudfront")
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        sock.sendall(b"GET /another")
        time.sleep(0.2)
        sock.sendall(data)  # the rest of a request line that makes no sense
        [(status, _, _)] = read_answers(sock, ["GET"])
    assert status == b"HTTP/1.1 400 Bad Request"
    answers = exchange(own, data * 3, ["GET"] * 3)  # pipelined: one read, three heads
    assert [dict(h)["x-cache"] for _, h, _ in answers] == ["Hit from cloudfront"] * 3
    assert counts(own)[0] == before


def test_a_plan_is_for_its_peer_address_only(edge):
    own, _, _, _, distribution = edge
    data = request_head("GET", path_of(distribution))
    from_plan(own, data, ["GET"])
    before = counts(own)[0]
    [(status, _, _)] = exchange(own, data, ["GET"], source="127.0.0.2")
    assert status == b"HTTP/1.1 200 OK" and counts(own)[0] == before


def test_ranges_are_never_planned(edge):
    own, _, _, _, distribution = edge
    data = request_head("GET", path_of(distribution), "1.1", "Range: bytes=0-9")
    before = counts(own)
    deadline = time.monotonic() + 30
    answered_directly = 0
    while answered_directly < 3:  # directly, again and again: each time planned (hit_plans.py), never replayed
        assert time.monotonic() < deadline, "never answered directly"
        [(status, _, body)] = exchange(own, data, ["GET"])
        assert (status, body) == (b"HTTP/1.1 206 Partial Content", b"<p>page</p"[:10])
        answered_directly = counts(own)[1] - before[1]
    assert counts(own)[0] == before[0]


def test_keep_alive_counts_from_the_last_answer(edge, monkeypatch):
    """Answers from plans keep a connection alive as any answer does (the timeout is 2 s here), and an idle
    one is still closed. The distribution's name is held longer than the test runs, so that every answer
    comes from the plan (by default a name is looked up again each second, an answer of the usual path)."""
    own, _, _, _, distribution = edge
    monkeypatch.setattr(recent_names, "HOLD_SECONDS", 60.0)
    own.runtime.services.get("cloudfront").provider.recent_names.forget()  # held for a second at most until now
    data = request_head("GET", path_of(distribution))
    from_plan(own, data, ["GET"])
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        before = counts(own)
        until = time.monotonic() + 4
        while time.monotonic() < until:
            sock.sendall(data)
            [(status, _, _)] = read_answers(sock, ["GET"])
            assert status == b"HTTP/1.1 200 OK"
            time.sleep(0.25)
        raw, direct = counts(own)
        assert raw - before[0] == direct - before[1] > 10  # every answer from the plan
        sock.settimeout(30)
        assert sock.recv(1) == b""  # closed once idle


def test_a_distribution_domain_name_as_host_is_answered_from_memory(edge):
    """Once the name was looked up (the usual path), a hit by the distribution's domain name is answered
    directly and then from its plan; a name no distribution has is still refused, the usual way."""
    own, _, _, _, distribution = edge
    data = request_head("GET", "/page.html", host=distribution["DomainName"])
    [(status, headers, body)] = from_plan(own, data, ["GET"])
    assert (status, dict(headers)["x-cache"], body) == (b"HTTP/1.1 200 OK", "Hit from cloudfront", b"<p>page</p>" * 1000)
    before = counts(own)
    for host in ["unknown.cloudfront.net"] * 3:
        [(status, _, body)] = exchange(own, request_head("GET", "/page.html", host=host), ["GET"])
        assert status == b"HTTP/1.1 403 Forbidden" and b"HostNotAllowed" in body
    # A known name with a path addressing a distribution by id takes the usual path.
    by_path = request_head("GET", path_of(distribution), host=distribution["DomainName"])
    for _ in range(3):
        [(status, _, _)] = exchange(own, by_path, ["GET"])
        assert status == b"HTTP/1.1 200 OK"
    assert counts(own) == before
