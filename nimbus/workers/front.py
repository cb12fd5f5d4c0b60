"""A front worker: answers the operations services mark ``answers_in_any_worker`` and hands the rest to the primary.

Started by the primary (``primary.py``) as ``python -m nimbus.workers.front``, with the listening socket it
inherits and, on its standard input, its settings. It exits when that input ends: when the primary exits,
however it exits (a kill -9 included), since the kernel closes the primary's end of the pipe.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import threading

import uvicorn

from nimbus.config import Config
from nimbus.core.events import EventBus
from nimbus.core.runtime import Runtime
from nimbus.core.secrets import read_admin_token
from nimbus.core.waiting import AnsweredElsewhere
from nimbus.gateway.admin import PREFIX as ADMIN_PREFIX
from nimbus.gateway.app import ClientGone, NimbusApp
from nimbus.gateway.browser import host_refusal
from nimbus.gateway.handler import RequestHandler, unrouted_error
from nimbus.gateway.on_loop import LoopOperations
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest, HttpResponse
from nimbus.server import uvicorn_config
from nimbus.services.iam.startup import IamIdentityPolicies
from nimbus.store.base import Store
from nimbus.workers.connections import PrimaryConnections
from nimbus.workers.event_link import events_socket
from nimbus.workers.forward import forward
from nimbus.workers.prebuilt import RecordPrebuilder
from nimbus.workers.shared import SharedCounters
from nimbus.workers.shipping import ShippingBus
from nimbus.workers.stores import ReadOnlyStore

log = logging.getLogger(__name__)

# What a worker may try to answer; anything else (an upload, a delete) goes to the primary with its body unread.
_ANSWERABLE_METHODS = frozenset({"GET", "HEAD", "POST"})


class FrontRuntime(Runtime):
    """The primary's state, read-only, its clock followed, and no background work of its own."""

    def __init__(self, config: Config, primary_socket: str, slot: int):
        self.primary_socket = primary_socket
        self.slot = slot
        self.counters = SharedCounters(config.data_dir)
        self._seen = self.counters.read()
        self._follow = threading.Lock()
        super().__init__(config)

    def _admin_token(self) -> str:
        return read_admin_token(self.config.data_dir) or ""

    def _open_store(self) -> Store:
        return ReadOnlyStore(super()._open_store())

    def _event_bus(self) -> EventBus:
        return ShippingBus(self.scheduler, events_socket(self.config.data_dir), self.counters, self.slot)

    def _start_background(self) -> None:
        self.scheduler.stop()  # a provider's job never starts here: background work is the primary's
        self.authz.use_identity_policies(IamIdentityPolicies(self))
        assert isinstance(self.events, ShippingBus)
        self.events.prebuild = RecordPrebuilder(self.services)

    def follow_primary(self) -> None:
        """Before each request: what the primary changed since the last one is seen here (caches, clock, reset)."""
        seen = self.counters.read()
        if seen == self._seen:
            return
        with self._follow:
            if seen[1] != self._seen[1]:
                self.services.reset()  # providers keep caches of stored state
            self.store.forget_cached()
            self.authz.invalidate()
            self.clock.load(self.saved_clock())
            self._seen = seen

    def reset(self) -> None:
        raise AnsweredElsewhere("a reset is the primary's")


class FrontHandler(RequestHandler):
    def __init__(self, runtime: Runtime):
        super().__init__(runtime)
        # Quick calls the worker answers run on its event loop, straight from the connection, as in the primary
        # (gateway/direct_calls.py); the quick calls it forwards keep the ASGI path, which forwards them.
        self.on_loop = LoopOperations(runtime.services, front_worker=True)

    def unrouted(self, request: HttpRequest, error: ServiceError, request_id: str) -> HttpResponse:
        raise AnsweredElsewhere("unrouted")  # the primary words it, and meets the same error

    def check_route(self, service: str, operation: str) -> None:
        if operation not in self.runtime.services.traits(service).answers_in_any_worker:
            raise AnsweredElsewhere(operation)

    def raw(self, name: str, request: HttpRequest, request_id: str) -> HttpResponse:
        raise AnsweredElsewhere("a request no operation covers")

    def answer_without_blocking(self, request: HttpRequest, foreign_host: bool = False) -> HttpResponse | None:
        return None  # an edge's in-memory cache is the primary's


class FrontApp(NimbusApp):
    runtime: FrontRuntime

    def __init__(self, runtime: FrontRuntime):
        super().__init__(runtime)
        self.handler = FrontHandler(runtime)
        self.connections = PrimaryConnections(runtime.primary_socket, runtime.config.keep_alive_seconds)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        self.before_request()
        request = self._request(scope)
        if (request.method not in _ANSWERABLE_METHODS or request.path.startswith(ADMIN_PREFIX)
                or host_refusal(self.runtime.config, request) is not None):
            await self._forward(scope, request, _arriving(receive), send, receive)
            return
        await super().__call__(scope, receive, send)

    def before_request(self) -> None:
        self.runtime.follow_primary()

    async def _respond(self, scope, request: HttpRequest, loop, send, receive) -> HttpResponse | None:
        try:
            return await loop.run_in_executor(self.executor, self.handler.handle, request)
        except AnsweredElsewhere:
            await self._forward(scope, request, request.body, send, receive)
            return None

    async def _forward(self, scope, request: HttpRequest, body, send, receive) -> None:
        started = False

        async def relaying(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await forward(self.connections, scope, body, relaying, receive)
        except ClientGone:
            return
        except OSError:  # the primary is gone (this worker ends with it) or restarting
            log.warning("the primary did not answer a forwarded %s %s", scope["method"], scope["path"])
        if not started:
            # A 503, which SDKs retry, rather than the web server's bare 500: by the retry a restarted primary (or
            # the worker it starts) answers.
            response = unrouted_error(request, ServiceError(
                "ServiceUnavailable", "nimbus is restarting; try again.", status=503), "")
            response.headers["connection"] = "close"
            await self._send(send, response, asyncio.get_running_loop(), receive)


async def _arriving(receive):
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        yield message.get("body", b"")
        if not message.get("more_body"):
            return


def _exit_with_primary(pipe) -> None:
    pipe.read()  # until the primary's end closes
    os._exit(0)


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    config = Config(**spec["config"])
    listener = socket.socket(fileno=spec["listener"])
    threading.Thread(target=_exit_with_primary, args=(sys.stdin,), name="nimbus-primary-watch", daemon=True).start()
    runtime = FrontRuntime(config, spec["primary_socket"], spec["slot"])
    uvicorn.Server(uvicorn_config(FrontApp(runtime), config)).run(sockets=[listener])


if __name__ == "__main__":
    main()
