"""The Flink mini-cluster's REST port: chosen where no program listening on port 0 can take it before the JVM binds
it, and a port that answers something other than HTTP read as "no JobManager there yet", not a failed run."""
from __future__ import annotations

import socket
import threading

import pytest

from nimbus.core.ports import port_for_later
from nimbus.services.kinesisanalyticsv2 import flink_rest


def test_a_port_for_later_is_free_and_below_the_ephemeral_range():
    with open("/proc/sys/net/ipv4/ip_local_port_range") as found:
        low = int(found.read().split()[0])
    for _ in range(20):
        port = port_for_later()
        assert 1024 <= port < low
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # free


def test_a_port_answering_another_protocol_is_a_rest_error():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def answer_binary() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"\x00\x00\x00\xff\xff\xff\x00@\x00\x00\x00@\xfe\x00\x00?\r\n\r\n")

        threading.Thread(target=answer_binary, daemon=True).start()
        with pytest.raises(flink_rest.RestError, match="BadStatusLine"):
            flink_rest.call(f"http://127.0.0.1:{listener.getsockname()[1]}/jobs/overview", timeout=5)
