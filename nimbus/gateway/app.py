"""The ASGI application: one port for every service and for /_nimbus/."""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from nimbus.core.runtime import Runtime
from nimbus.core.waiting import Suspended
from nimbus.gateway.admin import PREFIX as ADMIN_PREFIX
from nimbus.gateway.admin import handle_admin
from nimbus.gateway.browser import host_refusal
from nimbus.gateway.handler import RequestHandler, unrouted_error
from nimbus.gateway.limits import BodyBudget
from nimbus.gateway.one_write import WHOLE_BODY
from nimbus.gateway.spool import SpooledBody, digests_wanted, spool_file
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse
from nimbus.protocol.parsers.encoding import arrival_framing

log = logging.getLogger(__name__)

_END = object()


# PUT bodies (S3 uploads) past this size go to a temporary file rather than memory.
SPOOL_AFTER = 8 * 1024 * 1024
# The largest upload body: S3's 5 GiB single PUT plus room for aws-chunked framing.
MAX_STREAM_BYTES = 5 * 1024 ** 3 + 64 * 1024 * 1024


class TooLarge(ServiceError):
    def __init__(self, limit: int):
        super().__init__("RequestEntityTooLarge", f"The request body exceeds the maximum of {limit} bytes.", status=413)


class EntityTooLarge(ServiceError):
    def __init__(self):
        super().__init__("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.", status=400)


class ClientGone(Exception):
    """The client went away before its request body was complete: the request is never executed."""


class SlowDown(ServiceError):
    """More request bodies are in memory than ``max_buffered_body_bytes`` allows."""

    def __init__(self):
        super().__init__("SlowDown", "Please reduce your request rate.", status=503)


class RequestTimeout(ServiceError):
    """The body stalled or trickled (S3's words for it)."""

    def __init__(self):
        super().__init__("RequestTimeout", "Your socket connection to the server was not read from or written to "
                         "within the timeout period. Idle connections will be closed.", status=400)


# The scope key direct_calls.py sets on a request it handed over after it found it needs a worker thread: not tried
# on the event loop a second time.
NEEDS_THREAD = "nimbus.needs_thread"
# Refusals made while the body may still be arriving: the connection closes after the answer.
BODY_REFUSALS = (TooLarge, EntityTooLarge, SlowDown, RequestTimeout)


class NimbusApp:
    def __init__(self, runtime: Runtime, workers: int = 32):
        self.runtime = runtime
        self.handler = RequestHandler(runtime)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nimbus-req")
        self.budget = BodyBudget(runtime.config.max_buffered_body_bytes)

    def before_request(self) -> None:
        """What every request does before it is handled: nothing here (a front worker follows its primary)."""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = self._request(scope)
        loop = asyncio.get_running_loop()
        held = 0
        response: HttpResponse | None
        try:
            request.body, held = await self._read_body(receive, request)
            response = await self._respond(scope, request, loop, send, receive)
        except ClientGone:
            response = None  # nobody is left to answer
        except BODY_REFUSALS as error:
            response = unrouted_error(request, error, "")
            response.headers["connection"] = "close"
        except Exception:
            log.exception("unhandled error for %s %s", request.method, request.path)
            response = unrouted_error(request, ServiceError(
                "InternalFailure", "nimbus failed to handle the request.", status=500), "")
        try:
            if response is not None:
                # A body in memory goes out with its head, in one write (one_write.py); uvicorn writes no body
                # for HEAD, so that head is not held.
                scope[WHOLE_BODY] = isinstance(response.body, (bytes, bytearray)) and bool(response.body) \
                    and request.method != "HEAD"
                await self._send(send, response, loop, receive)
        finally:
            self.budget.give(held)
            if request.body_file is not None:
                request.body_file.close()

    async def _respond(self, scope, request: HttpRequest, loop, send, receive) -> HttpResponse | None:
        """The answer to send; None when it was sent already (a front worker's, nimbus/workers/front.py)."""
        refused = host_refusal(self.runtime.config, request)
        if refused is not None:
            return await loop.run_in_executor(self.executor, self.handler.handle_foreign_host, request, refused)
        if request.path.startswith(ADMIN_PREFIX):
            return await loop.run_in_executor(self.executor, handle_admin, self.runtime, request)
        answered = self.handler.answer_without_blocking(request)
        if answered is not None:
            return answered
        return await self._handled(request, loop, on_loop=not scope.get(NEEDS_THREAD))

    async def _handled(self, request: HttpRequest, loop, on_loop: bool) -> HttpResponse:
        """The handler's answer; a provider's long wait (core/waiting.py) happens here, on the event loop,
        between attempts that each take a worker thread only while they run (a quick operation's run on the
        loop itself: gateway/on_loop.py, unless it turns out to need a thread: core/needs_thread.py)."""
        on_loop = on_loop and self.handler.on_loop.admits(request)
        while True:
            try:
                if on_loop:
                    answered = self.handler.handle_on_loop(request)
                    if answered is not None:
                        return answered
                    on_loop = False
                return await loop.run_in_executor(self.executor, self.handler.handle, request)
            except Suspended as pause:
                request.wait_until = pause.until
                await pause.wait()

    @staticmethod
    def _request(scope) -> HttpRequest:
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        client = scope.get("client")
        return HttpRequest(
            method=scope["method"],
            path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").split("?", 1)[0] or "/",
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            source_ip=client[0] if client else "127.0.0.1",
            scheme=scope.get("scheme", "http"),
        )

    async def _read_body(self, receive, request: HttpRequest) -> tuple[bytes, int]:
        """The body in memory, and how many bytes of the memory budget it holds until the response
        is sent. A large PUT body (an upload), or one that does not fit the budget, is spooled to
        ``request.body_file`` instead; the handler reads it into memory only for operations that do
        not stream. Other bodies past the budget are refused (503 SlowDown), and a body that pauses
        or trickles is cut off (400 RequestTimeout)."""
        streamable = request.method == "PUT"
        limit = MAX_STREAM_BYTES if streamable else self.runtime.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise EntityTooLarge() if streamable else TooLarge(limit)
        bodyless = declared in (None, "0") and "transfer-encoding" not in request.headers
        reader = _BodyReader(receive, self.runtime.config, bodyless)
        chunks: list[bytes] = []
        size = held = 0
        spool: SpooledBody | None = None
        try:
            while (chunk := await reader.next_chunk()) is not None:
                size += len(chunk)
                if size > limit:
                    raise EntityTooLarge() if streamable else TooLarge(limit)
                chunks.append(chunk)
                over_budget = False
                if spool is None:
                    if self.budget.take(len(chunk)):
                        held += len(chunk)
                    elif not streamable:
                        raise SlowDown()
                    else:
                        over_budget = True
                    if over_budget or (streamable and size > SPOOL_AFTER):
                        framing = request.chunk_framing = arrival_framing(request.headers)
                        spool = request.body_file = SpooledBody(self._spool_file(), digests_wanted(
                            request.headers, request.query_string, framing is not None), framing)
                        self.budget.give(held)
                        held = 0
                if spool is not None:
                    for data in chunks:
                        await spool.add(data)
                    chunks.clear()
            if spool is not None:
                request.body_file_sha256 = await spool.finish()
        except BaseException:
            self.budget.give(held)
            if spool is not None:
                spool.abandon()
                request.body_file = None
            raise
        if spool is not None:
            return b"", 0
        return b"".join(chunks), held

    def _spool_file(self):
        config = self.runtime.config
        directory = None
        if not config.ephemeral and config.data_dir:
            directory = os.path.join(config.data_dir, "tmp")
            os.makedirs(directory, exist_ok=True)
        return spool_file(directory)

    async def _send(self, send, response: HttpResponse, loop, receive=None) -> None:
        headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.headers.items()]
        body = response.body
        if isinstance(body, (bytes, bytearray)):
            if "content-length" not in response.headers:
                headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await send({"type": "http.response.body", "body": bytes(body)})
            return
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        iterator: Iterator[bytes] = iter(body)
        # A long-lived stream (an event stream subscription) ends when its client goes away.
        gone = asyncio.ensure_future(disconnected(receive)) if receive is not None else None
        try:
            while gone is None or not gone.done():
                chunk = await loop.run_in_executor(self.executor, next, iterator, _END)
                if chunk is _END:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            if gone is not None:
                gone.cancel()
            close = getattr(iterator, "close", None)
            if close is not None:
                await loop.run_in_executor(self.executor, close)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # What start-up made lives as long as the server: out of the collector's sight, a full collection
                # no longer walks it (with a trail, the collector's CPU per call fell from 5 to 9 µs to under 1).
                gc.freeze()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=False)
                self.runtime.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


class _BodyReader:
    """The body's chunks as they arrive, within the body read timeouts: no pause longer than
    ``body_idle_timeout_seconds``, and past that much time, at least ``body_min_bytes_per_second``."""

    def __init__(self, receive, config, bodyless: bool = False):
        self.receive = receive
        self.bodyless = bodyless  # declares no body: neither Content-Length nor Transfer-Encoding
        self.idle = config.body_idle_timeout_seconds
        self.rate = config.body_min_bytes_per_second
        self.started = time.monotonic()
        self.size = 0
        self.done = False

    async def next_chunk(self) -> bytes | None:
        """The next chunk; None once the body (or the connection) has ended."""
        if self.done:
            return None
        if self.bodyless:  # nothing to wait for: uvicorn has the (empty) message already
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            self.done = not message.get("more_body")
            return message.get("body", b"")
        # The body may take as long as the grace period plus its size at the least rate.
        allowed = self.started + self.idle + self.size / self.rate - time.monotonic()
        try:
            # asyncio.timeout, not wait_for: no task per chunk (wait_for's task was a tenth of a small call's CPU).
            async with asyncio.timeout(max(0.0, min(self.idle, allowed))):
                message = await self.receive()
        except TimeoutError:
            raise RequestTimeout() from None
        if message["type"] == "http.disconnect":
            # A body cut short (the client closed or half-closed its connection) is not the request the
            # client meant: acting on it would, say, create a user under a truncated name.
            raise ClientGone()
        chunk = message.get("body", b"")
        self.size += len(chunk)
        self.done = not message.get("more_body")
        return chunk


async def disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def create_app(runtime: Runtime | None = None) -> NimbusApp:
    return NimbusApp(runtime or Runtime())
