"""Quick calls answered by the connection without ASGI (gateway/direct_calls.py): the same bytes as the ASGI
path, and the ASGI path for anything else."""
from __future__ import annotations

import base64
import json
import socket
import time

import pytest

from tests.support import active_stream, make_client, read_answers, signed, start_server

JSON_11 = "application/x-amz-json-1.1"
PER_CALL = {"date", "x-amzn-requestid", "x-amz-id-2"}


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("direct-calls")) as running:
        yield running


@pytest.fixture(scope="module")
def stream(own):
    return active_stream(make_client(own.endpoint, "kinesis"), own.endpoint, "direct")


def answered(own) -> int:
    return own.server.config.http_protocol_class.calls_answered


def put_record(own, stream_name: str, *extra: str, chunked: bool = False) -> bytes:
    """A signed PutRecord as bytes on the wire; ``chunked`` sends the same body in one chunk."""
    body = json.dumps({"StreamName": stream_name, "PartitionKey": "k",
                       "Data": base64.b64encode(b"record").decode()}).encode()
    _, headers = signed(own.endpoint, "kinesis", body=body,
                        headers={"Content-Type": JSON_11, "X-Amz-Target": "Kinesis_20131202.PutRecord"})
    lines = [f"Host: 127.0.0.1:{own.config.port}", *(f"{k}: {v}" for k, v in headers.items()), *extra]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        body = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
    return ("POST / HTTP/1.1\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode() + body


def exchange(own, *writes: bytes, answers: int = 1) -> list:
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        for index, data in enumerate(writes):
            if index:
                time.sleep(0.2)  # the server has read what came before
            sock.sendall(data)
        return read_answers(sock, ["POST"] * answers)


def steady(answer) -> tuple:
    status, headers, body = answer
    return status, [(name, "<varies>" if name in PER_CALL else value) for name, value in headers]


def test_a_quick_call_is_answered_by_the_connection(own, stream):
    kinesis = make_client(own.endpoint, "kinesis")
    before = answered(own)
    put = kinesis.put_record(StreamName=stream, Data=b"r", PartitionKey="k")
    assert answered(own) == before + 1
    kinesis.describe_stream_summary(StreamName=stream)  # not a quick operation: the ASGI path
    assert answered(own) == before + 1
    assert put["ShardId"] == "shardId-000000000000" and put["SequenceNumber"]


@pytest.mark.parametrize("exists", [True, False])
def test_a_direct_answer_is_what_the_asgi_path_sends(own, stream, exists):
    name = stream if exists else "no-such-stream"
    before = answered(own)
    [direct] = exchange(own, put_record(own, name))
    assert answered(own) == before + 1
    [through_asgi] = exchange(own, put_record(own, name, chunked=True))  # a chunked body: only ASGI reads it
    assert answered(own) == before + 1
    assert steady(direct) == steady(through_asgi)
    assert direct[0] == (b"HTTP/1.1 200 OK" if exists else b"HTTP/1.1 400 Bad Request")
    if exists:
        assert json.loads(direct[2]).keys() == json.loads(through_asgi[2]).keys() == {
            "ShardId", "SequenceNumber", "EncryptionType"}
    else:
        assert direct[2] == through_asgi[2] and b"ResourceNotFoundException" in direct[2]


def test_a_body_that_comes_after_its_head_takes_the_asgi_path(own, stream):
    data = put_record(own, stream)
    head_end = data.index(b"\r\n\r\n") + 4
    before = answered(own)
    [answer] = exchange(own, data[:head_end], data[head_end:])
    assert answer[0] == b"HTTP/1.1 200 OK" and answered(own) == before


def test_pipelined_calls_are_answered_in_order_and_a_closing_one_closes(own, stream):
    before = answered(own)
    with socket.create_connection(("127.0.0.1", own.config.port)) as sock:
        sock.sendall(put_record(own, stream) + put_record(own, "no-such-stream", "Connection: close"))
        first, second = read_answers(sock, ["POST", "POST"])
        assert sock.recv(1) == b""  # the server closed its end after the second answer
    assert first[0] == b"HTTP/1.1 200 OK" and second[0] == b"HTTP/1.1 400 Bad Request"
    assert ("connection", "close") in second[1]
    assert answered(own) == before + 2
