"""Answers to a request head seen before, found by its exact bytes, without parsing it.

At a busy edge most requests are byte for byte the same few heads on keep-alive connections. When a
direct answer (direct_answers.py) comes with a ``Replay`` from its service, and its request arrived as
one whole bodyless head in one read on an idle connection, the answer's bytes are kept as a plan under
the head's exact bytes and the connection's peer address and scheme (everything else the answer may
depend on is in those bytes). The next read of exactly those bytes on an idle connection from that peer
is answered from the plan: no httptools callbacks, no uvicorn per-request state, no request object. The
service's replay decides at every answer whether the plan still holds (the same object, still fresh,
the same distribution) and gives the few values made per answer; when it no longer holds the plan is
dropped and the request takes the usual path, which may make a new plan.

Anything else takes the usual path with one dict lookup added: a read that is not a whole known head, a
connection with a request in flight (pipelining keeps its order), a client reading slowly, a closing
connection.
"""
from __future__ import annotations

import time

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from nimbus.gateway.direct_answers import header_line
from nimbus.protocol.http import HttpResponse, Replay

# Heads longer than this are never planned (nor looked up: a large read is never hashed for nothing).
MAX_HEAD_BYTES = 4096
# Past this many plans they are all let go: memory stays bounded whatever viewers send.
MAX_PLANS = 4096
_HEAD_END = b"\r\n\r\n"


class RawPlan:
    """A response's bytes around its per-answer values: ``head``, then the server's default header lines,
    then ``statics[i]`` and value ``i`` in turn, then ``tail`` and the body."""
    __slots__ = ("head", "replay", "statics", "tail")

    def __init__(self, head: bytes, statics: list[bytes], tail: bytes, replay: Replay):
        self.head, self.statics, self.tail, self.replay = head, statics, tail, replay


def plan_of(response: HttpResponse, replay: Replay) -> RawPlan | None:
    """The plan for answering ``response`` again; None when a header line is one uvicorn would refuse."""
    headers = response.headers
    if "content-length" not in headers or "connection" in headers or "transfer-encoding" in headers:
        return None
    varying = list(replay.varying)
    statics, current = [], b""
    for name, value in headers.items():
        if varying and name == varying[0]:
            statics.append(current + name.encode("latin-1") + b": ")
            current = b"\r\n"
            varying.pop(0)
            continue
        line = header_line((name, value))
        if not line:
            return None
        current += line
    if varying:  # a varying header the response lacks, or out of order: nothing to fill in
        return None
    return RawPlan(STATUS_LINE[response.status], statics, current + b"\r\n", replay)


class _DefaultLines:
    """The server's default header lines (``date``, ``server``) as bytes, made again when uvicorn
    replaces them (once a second)."""

    def __init__(self):
        self._of: object = None
        self._lines = b""

    def of(self, default_headers: list[tuple[bytes, bytes]]) -> bytes:
        if default_headers is not self._of:
            self._lines = b"".join(name + b": " + value + b"\r\n" for name, value in default_headers)
            self._of = default_headers
        return self._lines


def raw_protocol(base: type[HttpToolsProtocol]) -> type[HttpToolsProtocol]:
    """``base`` (nimbus's direct-answering protocol) answering known heads from their plans."""
    plans: dict[tuple[bytes, tuple], RawPlan] = {}  # this server's own: a plan is never another port's
    default_lines = _DefaultLines()

    class RawHeads(base):  # type: ignore[valid-type, misc]
        raw_answered = 0  # requests answered from a plan since the server started (all connections)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.at_boundary = True  # the parser holds no part of a request
            self.candidate: bytes | None = None  # this read, while it may be a whole head to plan for
            self.peer: tuple = ()
            self.last_answer = 0.0  # monotonic time of the last answer from a plan

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.peer = (self.client[0] if self.client else None, self.scheme)

        def data_received(self, data: bytes) -> None:
            self.candidate = None
            if self.at_boundary and len(data) <= MAX_HEAD_BYTES:
                key = (data, self.peer)
                plan = plans.get(key)
                if plan is not None and self._answer_from(plan, key):
                    return
                self.candidate = data
            super().data_received(data)

        def on_message_begin(self) -> None:
            self.at_boundary = False
            super().on_message_begin()

        def on_message_complete(self) -> None:
            self.at_boundary = True
            super().on_message_complete()

        def answered_directly(self, response: HttpResponse, keep_alive: bool) -> None:
            data = self.candidate
            if response.replay is None or not keep_alive or data is None or data.find(_HEAD_END) != len(data) - 4:
                return
            plan = plan_of(response, response.replay)
            if plan is not None:
                if len(plans) >= MAX_PLANS:
                    plans.clear()
                plans[(data, self.peer)] = plan

        def _answer_from(self, plan: RawPlan, key: tuple) -> bool:
            """Whether the request was answered from ``plan`` (which is dropped when it no longer holds)."""
            if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline \
                    or self.flow.write_paused or self.transport.is_closing():
                return False
            made = plan.replay()
            if made is None:
                plans.pop(key, None)
                return False
            values, body = made
            pieces = [plan.head, default_lines.of(self.server_state.default_headers)]
            for static, value in zip(plan.statics, values, strict=True):
                pieces += (static, value)
            pieces += (plan.tail, body)
            self.transport.write(b"".join(pieces))
            cls = type(self)
            cls.answered += 1
            cls.raw_answered += 1
            self._settle()
            return True

        def _settle(self) -> None:
            """What ending a response does to the connection's state (uvicorn's ``on_response_complete``,
            the head limits'), without re-arming the keep-alive timer for every answer."""
            self.server_state.total_requests += 1
            if self.in_head:  # the connection's first request: its head timer runs
                self.head_complete()
            self.since = self.last_answer = time.monotonic()
            if self.timeout_keep_alive_task is None:
                self._arm_keep_alive(self.timeout_keep_alive)

        def timeout_keep_alive_handler(self) -> None:
            """Close the connection idle for the keep-alive timeout: counted from its last answer, which
            may have come from a plan after the timer was armed."""
            idle = time.monotonic() - self.last_answer
            if idle < self.timeout_keep_alive:
                self._arm_keep_alive(self.timeout_keep_alive - idle)
                return
            self.timeout_keep_alive_task = None
            super().timeout_keep_alive_handler()

        def _arm_keep_alive(self, seconds: float) -> None:
            self.timeout_keep_alive_task = self.loop.call_later(seconds, self.timeout_keep_alive_handler)

    return RawHeads
