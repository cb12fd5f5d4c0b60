"""A response whose body is whole goes to the socket in one write (gateway/one_write.py)."""
from __future__ import annotations

import http.client

from nimbus.gateway.one_write import WHOLE_BODY, HeadHeld
from tests.support import signed


class Recorded:
    """The socket side of a transport: what was written, in which writes, and whether it was closed."""

    def __init__(self):
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_a_whole_response_is_one_write():
    transport = Recorded()
    held = HeadHeld(transport, {WHOLE_BODY: True})
    held.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.writes == []
    held.write(b"body")
    held.write(b"")  # a later write (none is expected) passes through
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b""]
    assert not held.is_closing()


def test_a_streamed_response_is_written_as_it_comes():
    transport = Recorded()
    held = HeadHeld(transport, {})
    held.write(b"head")
    held.write(b"chunk")
    assert transport.writes == [b"head", b"chunk"]


def test_a_head_held_when_the_connection_closes_still_goes_out_first():
    transport = Recorded()
    held = HeadHeld(transport, {WHOLE_BODY: True})
    held.write(b"head")
    held.close()
    assert transport.writes == [b"head"] and transport.closed


def test_the_server_answers_whole_and_keeps_the_connection(endpoint):
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    _, headers = signed(endpoint, "sts", body=body,
                        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    connection = http.client.HTTPConnection(endpoint.removeprefix("http://"), timeout=10)
    for _ in range(2):  # twice on one connection: the first answer left it usable
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        assert response.read().endswith(b"</GetCallerIdentityResponse>")
    connection.close()
