"""Quick calls answered straight from the connection, without ASGI.

A request for an operation that runs on the event loop (gateway/on_loop.py: Kinesis PutRecord, KMS Encrypt,
STS GetCallerIdentity...) whose small body arrives right after its head is answered by the connection itself once the
body is in: the handler runs at once and its answer is written in exactly the bytes uvicorn would have written
(direct_answers.py's ``response_bytes``), without the asyncio task, ASGI scope, receive/send coroutines and body
reader of the ASGI path, which for one sequential client cost about as much as the call's own work.

What it answers is what app.py would: the same ``answer_without_blocking`` and ``handle``, the same 500 for an
unexpected failure, the body counted against the same memory budget. Anything else takes the ASGI path
unchanged, as if the head had just been parsed: a request whose operation is not quick or whose Host or path
app.py answers otherwise, a body not all in within 50 ms of its head (the ASGI path times a trickling body out),
a call behind another on the connection, a wrapped app, a provider that suspends (core/waiting.py: the ASGI path
retries it) or, in a front worker (nimbus/workers/), finds the call needs the primary (the ASGI path forwards it),
and a call found to need a worker thread (core/needs_thread.py: the ASGI path takes it to one). A front worker
takes this path only for the quick operations it answers itself, after it has followed what its primary changed
(``NimbusApp.before_request``).
"""
from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from nimbus.core.waiting import AnsweredElsewhere, Suspended
from nimbus.gateway.admin import PREFIX as ADMIN_PREFIX
from nimbus.gateway.app import NEEDS_THREAD, NimbusApp
from nimbus.gateway.browser import host_refusal
from nimbus.gateway.direct_answers import handled_on_loop, internal_failure, response_bytes
from nimbus.gateway.on_loop import MAX_BODY_BYTES

_REFUSING_HEADERS = (b"transfer-encoding", b"expect")
# How long the rest of a quick call's body is waited for once its head is in; then the ASGI path takes it over.
BODY_GRACE_SECONDS = 0.05


def direct_call_protocol(base: type[HttpToolsProtocol]) -> type[HttpToolsProtocol]:
    """``base`` (nimbus's direct-answering protocol) answering quick calls without ASGI."""

    class DirectCalls(base):  # type: ignore[valid-type, misc]
        calls_answered = 0  # quick calls answered here since the server started (all connections)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.call_body: list[bytes] | None = None  # a quick call's body, while it is held back from ASGI
            self.late_body: asyncio.TimerHandle | None = None  # the wait for the rest of that body
            self.quick_calls = isinstance(self.app, NimbusApp)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.call_body is not None and self.late_body is None and not self.transport.is_closing():
                # SDKs send the body with a write of its own after the head (urllib3 does): it is waited for
                # briefly, then the ASGI path reads (and times) the rest.
                self.late_body = self.loop.call_later(BODY_GRACE_SECONDS, self._body_late)

        def connection_lost(self, exc) -> None:
            self._stop_waiting()
            self.call_body = None
            super().connection_lost(exc)

        def _body_late(self) -> None:
            self.late_body = None
            if self.call_body is not None and not self.transport.is_closing():
                body, self.call_body = b"".join(self.call_body), None
                self._to_asgi(body, complete=False)

        def _stop_waiting(self) -> None:
            if self.late_body is not None:
                self.late_body.cancel()
                self.late_body = None

        def on_headers_complete(self) -> None:
            if self.quick_calls and self._quick_head():
                self.call_body = []
                self.head_complete()
                return
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if self.call_body is not None:
                self.call_body.append(body)
                return
            super().on_body(body)

        def on_message_complete(self) -> None:
            if self.call_body is None:
                super().on_message_complete()
                return
            self._stop_waiting()
            body, self.call_body = b"".join(self.call_body), None
            if not self._answer(body):
                self._to_asgi(body, complete=True)

        def _quick_head(self) -> bool:
            """A POST with a small declared body that nothing else on the connection is ahead of."""
            if self.parser.get_method() != b"POST" or self.parser.should_upgrade():
                return False
            if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline:
                return False
            if self.transport.is_closing() or self.flow.write_paused or self.limit_concurrency is not None:
                return False
            limit = min(MAX_BODY_BYTES, self.app.runtime.config.max_body_bytes)
            declared = False
            for name, value in self.headers:
                if name in _REFUSING_HEADERS:
                    return False
                if name == b"content-length":
                    if declared or not value.isdigit() or int(value) > limit:
                        return False
                    declared = True
            return declared

        def _to_asgi(self, body: bytes, complete: bool) -> None:
            """Hand the request to the ASGI path as if its head had just been parsed, with the body so far."""
            super().on_headers_complete()
            if body:
                super().on_body(body)
            if complete:
                super().on_message_complete()

        def _answer(self, body: bytes) -> bool:
            """Whether the call was answered here (written to the transport, or handed to the ASGI path)."""
            app: NimbusApp = self.app
            request = self._request_of("POST")
            request.body = body
            if host_refusal(app.runtime.config, request) is not None or request.path.startswith(ADMIN_PREFIX):
                return False
            if not app.handler.on_loop.admits(request) or not app.budget.take(len(body)):
                return False
            try:
                app.before_request()
                response = handled_on_loop(app, request, services_first=True)
            except (Suspended, AnsweredElsewhere):
                return False
            finally:
                app.budget.give(len(body))
            if response is None:
                self._to_asgi(body, complete=True)
                self.scope[NEEDS_THREAD] = True  # read by the ASGI task, which has not started yet
                return True
            keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
            default_headers = self.server_state.default_headers
            written = response_bytes(response, "POST", keep_alive, default_headers) or response_bytes(
                internal_failure(request), "POST", keep_alive, default_headers)
            assert written is not None  # a whole body with nimbus's own headers
            data, keep_alive = written
            self.transport.write(data)
            type(self).calls_answered += 1
            if not keep_alive:
                self.transport.close()
            self.on_response_complete()
            return True

    return DirectCalls
