"""Free TCP ports: one the kernel picks (``free_port``: a server binding it at once), and one for a program that binds
it later (``port_for_later``: a Flink mini-cluster's REST endpoint, seconds after it is chosen).

A port the kernel hands out for ``bind(0)`` comes from the ephemeral range, which every other listener started
with port 0 meanwhile draws from too (Flink's own RPC and blob servers among them): one of them took a REST port
chosen that way before the JVM had bound it, and nimbus then read a Pekko handshake as the REST answer. A port
below that range is never handed out by the kernel, so only a program that names it can take it.
"""
from __future__ import annotations

import random
import socket

_RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
_BELOW = 12000  # how far below the ephemeral range to look
_TRIES = 50


def _ephemeral_low() -> int:
    try:
        with open(_RANGE_FILE) as found:
            return int(found.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now, as the kernel hands them out for ``bind(0)``."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def port_for_later(host: str = "127.0.0.1") -> int:
    """A port free now, outside the kernel's ephemeral range when one there is free."""
    low = _ephemeral_low()
    candidates = range(max(1024, low - _BELOW), low)
    for port in random.sample(candidates, min(_TRIES, len(candidates))):
        if _free(host, port):
            return port
    return free_port(host)  # everything below the range is taken: the kernel's choice, as before
