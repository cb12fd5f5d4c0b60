"""Answers written straight to the connection, without ASGI.

A service that can answer a request on the event loop from memory (the ``answers_without_blocking``
trait: a fresh hit at CloudFront's edge) is offered the request as soon as its head is parsed, and its
answer goes to the transport in exactly the bytes uvicorn would have written for it: no asyncio task, no
``RequestResponseCycle``, no ASGI scope, receive or send coroutines, which at a busy edge cost more than
the answer itself. Which requests a service answers this way is the service's own decision; this module
only hands it the request and writes the bytes back.

A bodyless GET or HEAD for a quick read (gateway/on_loop.py: S3's GetObject and HeadObject) is handled here
too, on the event loop, unless it turns out to need a worker thread (core/needs_thread.py). A front worker
(nimbus/workers/) handles the quick reads it answers itself so, once it has followed what its primary changed
(``NimbusApp.before_request``); a read that turns out to need the primary (``AnsweredElsewhere``) takes the ASGI
path, which forwards it whole.

Anything else takes the ASGI path unchanged: a request the service declines, one with a body (or
``Expect``, or an upgrade), one behind another still being answered on the same connection (pipelined
answers keep their order), a connection whose client reads too slowly (the ASGI path waits for it to
drain), and every request when the app is wrapped (trusted proxy headers rewrite the client's address).
"""
from __future__ import annotations

import logging

import httptools
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE, HttpToolsProtocol

from nimbus.core.waiting import AnsweredElsewhere, Suspended
from nimbus.gateway.admin import PREFIX as ADMIN_PREFIX
from nimbus.gateway.app import NEEDS_THREAD, NimbusApp
from nimbus.gateway.browser import host_refusal
from nimbus.gateway.handler import unrouted_error
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)


def direct_protocol(base: type[HttpToolsProtocol]) -> type[HttpToolsProtocol]:
    """``base`` (nimbus's limited httptools protocol) answering what a service can answer at once directly."""

    class DirectAnswers(base):  # type: ignore[valid-type, misc]
        answered = 0  # requests answered directly since the server started (all connections)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.skip_message = False  # the parsed request was answered at its head: its end needs nothing
            self.direct = isinstance(self.app, NimbusApp)

        def on_headers_complete(self) -> None:
            request = _NeedsThread()
            if self.direct and self._answer_directly(request):
                self.skip_message = True
                self.head_complete()
                return
            super().on_headers_complete()
            if request.found:
                self.scope[NEEDS_THREAD] = True  # the ASGI task, not started yet, does not try the loop again

        def on_message_complete(self) -> None:
            if self.skip_message:
                self.skip_message = False
                return
            super().on_message_complete()

        def _answer_directly(self, needs_thread: _NeedsThread) -> bool:
            """Whether the request was answered (written to the transport) here."""
            if not self._plain_request():
                return False
            method = self.parser.get_method().decode("ascii")
            keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
            try:
                response = _answer_on_loop(self.app, self._request_of(method), needs_thread)
                written = None if response is None else \
                    response_bytes(response, method, keep_alive, self.server_state.default_headers)
            except AnsweredElsewhere:  # a front worker's read that needs its primary: the ASGI path forwards it
                return False
            except Exception:  # the ASGI path answers (and logs) it as it always has
                log.debug("no direct answer for %s", method, exc_info=True)
                return False
            if written is None or response is None:
                return False
            data, keep_alive = written
            self.transport.write(data)
            type(self).answered += 1
            self.answered_directly(response, keep_alive)
            if not keep_alive:
                self.transport.close()
            self.on_response_complete()
            return True

        def answered_directly(self, response: HttpResponse, keep_alive: bool) -> None:
            """Called once ``response`` is written (raw_heads.py keeps what the identical request may reuse)."""

        def _plain_request(self) -> bool:
            """A bodyless GET or HEAD that nothing else on the connection is ahead of."""
            if self.parser.get_method() not in (b"GET", b"HEAD") or self.parser.should_upgrade():
                return False
            if (self.cycle is not None and not self.cycle.response_complete) or self.pipeline:
                return False
            if self.transport.is_closing() or self.flow.write_paused or self.limit_concurrency is not None:
                return False
            for name, value in self.headers:
                if name in (b"transfer-encoding", b"expect") or (name == b"content-length" and value != b"0"):
                    return False
            return True

        def _request_of(self, method: str):
            url = httptools.parse_url(self.url)
            self.scope["method"] = method
            self.scope["raw_path"] = self.root_path.encode("ascii") + url.path
            self.scope["path"] = ""  # only read when there is no raw_path
            self.scope["query_string"] = url.query or b""
            return NimbusApp._request(self.scope)

    return DirectAnswers


class _NeedsThread:
    """Whether a quick read turned out to need a worker thread."""
    __slots__ = ("found",)

    def __init__(self):
        self.found = False


def _answer_on_loop(app: NimbusApp, request, needs_thread: _NeedsThread) -> HttpResponse | None:
    """What the ASGI app would answer on the event loop (app.py): for a Host nimbus answers as, outside
    /_nimbus/; for another Host, a service's own name (a distribution's domain name) it knows from memory."""
    if host_refusal(app.runtime.config, request) is not None:
        return app.handler.answer_without_blocking(request, foreign_host=True)
    if request.path.startswith(ADMIN_PREFIX):
        return None
    answered = app.handler.answer_without_blocking(request)
    if answered is None and app.handler.on_loop.admits(request):
        app.before_request()
        answered = handled_on_loop(app, request)
        needs_thread.found = answered is None
    return answered


def handled_on_loop(app: NimbusApp, request: HttpRequest, services_first: bool = False) -> HttpResponse | None:
    """The handler's answer on the event loop (with ``services_first``, a service's answer made without blocking
    before it: app.py's ``_respond``), app.py's 500 for an unexpected failure included (the call may be recorded
    already: it is not handled twice); None when the request needs a worker thread (core/needs_thread.py)."""
    try:
        answered = app.handler.answer_without_blocking(request) if services_first else None
        return answered if answered is not None else app.handler.handle_on_loop(request)
    except Suspended:
        raise
    except Exception:
        log.exception("unhandled error for %s %s", request.method, request.path)
        return internal_failure(request)


def internal_failure(request: HttpRequest) -> HttpResponse:
    return unrouted_error(request, ServiceError("InternalFailure", "nimbus failed to handle the request.", status=500),
                          "")


def response_bytes(response: HttpResponse, method: str, keep_alive: bool,
                   default_headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bool] | None:
    """The response as uvicorn writes it for the ASGI app (app.py's ``_send``, uvicorn's
    ``RequestResponseCycle.send``), and whether the connection stays open; None for anything but a whole
    body of the declared length, which the ASGI path answers instead."""
    body = response.body
    if not isinstance(body, (bytes, bytearray)) or "transfer-encoding" in response.headers:
        return None
    own = response.headers
    lines = [*map(header_line, default_headers), *map(header_line, own.items())]
    if "content-length" not in own:
        lines.append(header_line(("content-length", str(len(body)))))
    if b"" in lines:
        return None
    closes = b"close" in [token.lower().strip() for token in str(own.get("connection", "")).encode().split(b",")]
    keep_alive = keep_alive and not closes
    content = [STATUS_LINE[response.status], *lines]
    if not keep_alive and not closes:
        content.append(b"connection: close\r\n")
    content.append(b"\r\n")
    if method != "HEAD":
        if int(own.get("content-length", len(body))) != len(body):
            return None
        content.append(body)
    return b"".join(content), keep_alive


# Header lines as written, by (name, value): most of an edge's answers repeat the same lines.
_LINES: dict[tuple, bytes] = {}
MAX_LINES = 8192


def header_line(header: tuple[str, object] | tuple[bytes, bytes]) -> bytes:
    """``name: value\\r\\n`` with the name lower-cased as uvicorn writes it; b"" when uvicorn would refuse
    the name or the value (the ASGI path then answers)."""
    line = _LINES.get(header)
    if line is None:
        name, value = (part if isinstance(part, bytes) else str(part).encode("latin-1") for part in header)
        invalid = HEADER_RE.search(name) or HEADER_VALUE_RE.search(value)
        line = b"" if invalid else name.lower() + b": " + value + b"\r\n"
        if len(_LINES) >= MAX_LINES:
            _LINES.clear()
        _LINES[header] = line
    return line
