"""A request whose body stops short of its Content-Length (the client closed or half-closed its connection) is
never executed: a cut-off CreateUser must not create a user under a truncated name."""
from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.support import error_of, signed, unique

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def send_cut_off(endpoint: str, key: str, name: str, missing: int, how: str) -> None:
    """A signed CreateUser for ``name`` whose last ``missing`` body bytes never arrive."""
    body = f"Action=CreateUser&Version=2010-05-08&UserName={name}".encode()
    # A key nimbus holds no secret for (a bare account id) is taken unverified, so only the body's
    # completeness stands between the cut-off request and its execution.
    _, headers = signed(endpoint, "iam", body=body, headers={"Content-Type": FORM}, key=key)
    netloc = urlsplit(endpoint).netloc
    head = ["POST / HTTP/1.1", f"Host: {netloc}", f"Content-Length: {len(body)}"]
    head += [f"{header}: {value}" for header, value in headers.items()]
    host, port = netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:-missing])
        time.sleep(0.2)  # the server has read what was sent before the connection goes
        if how == "half-closed":
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(65536) == b""  # no answer: there was no complete request to answer


@pytest.mark.parametrize("how", ["closed", "half-closed"])
def test_cut_off_bodies_are_never_executed(endpoint, account, aws, how):
    iam = aws("iam")
    name = unique("truncated")
    send_cut_off(endpoint, account, name, 4, how)
    # The request, had it run, would have run at once; give a loaded machine a generous while.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        for user in (name, name[:-4]):
            assert error_of(iam.get_user, UserName=user).code == "NoSuchEntity"
        time.sleep(0.2)
    # The server keeps serving, on new connections as on old ones.
    assert iam.create_user(UserName=name)["User"]["UserName"] == name
