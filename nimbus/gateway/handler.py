"""One request, start to finish: route, authenticate, parse, dispatch, serialize.

Synchronous on purpose: it runs in a worker thread so a slow provider never
stalls the event loop.
"""
from __future__ import annotations

import io
import json
import os
import uuid
from xml.sax.saxutils import escape

from nimbus.core.context import RequestContext
from nimbus.core.needs_thread import NeedsThread
from nimbus.core.runtime import Runtime
from nimbus.core.traits import ServiceTraits
from nimbus.gateway.auth import authenticate
from nimbus.gateway.browser import host_name, refuse_foreign_origin
from nimbus.gateway.on_loop import LoopOperations
from nimbus.gateway.routing import FORM_TYPE, route_request
from nimbus.gateway.sigv4 import read_signature
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse
from nimbus.protocol.parsers import parse_request
from nimbus.protocol.serializers import serialize_error, serialize_response


class RequestHandler:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        # Traits never change while a server runs: the few services that claim raw requests or answer on the
        # event loop, read once instead of asking every service on every request.
        services = runtime.services
        every = [(name, services.traits(name)) for name in services.names]
        self._claimers = [(name, claims) for name, traits in every
                          if (claims := traits.claims_raw_request) is not None]
        self._direct = [(traits, answer) for _, traits in every
                        if (answer := traits.answers_without_blocking) is not None]
        self.on_loop = LoopOperations(services)

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_v4()
        raw = self._without_operation(request, request_id)
        if raw is not None:
            return raw
        signed_path = request.path  # routing may rewrite it (S3 virtual hosts); the signature covers this one
        try:
            info = read_signature(request)
            route = route_request(request, self.runtime.services, info.service if info else None)
        except ServiceError as error:
            return self.unrouted(request, error, request_id)
        if request.on_loop and not self.on_loop.confirms(route.service, route.operation):
            raise NeedsThread(f"{route.service} {route.operation} is not quick")
        self.check_route(route.service, route.operation)
        service = self.runtime.services.get(route.service)
        model = service.query_model if route.protocol == "query" and service.query_model is not None else service.model
        operation = model.operation_model(route.operation)
        try:
            refuse_foreign_origin(self.runtime.config, request, self.runtime.services.traits(route.service),
                                  route.protocol)
            settle_body(request, operation, self.runtime.config.max_body_bytes)
            caller = authenticate(self.runtime, request, info, route.service, route.protocol, operation, signed_path)
            ctx = RequestContext(
                runtime=self.runtime,
                request_id=request_id,
                service=route.service,
                operation=route.operation,
                account_id=caller.account_id,
                region=caller.region,
                principal=caller.principal,
                protocol=route.protocol,
                source_ip=request.source_ip,
                user_agent=request.headers.get("user-agent", ""),
                request=request,
                service_model=model,
                operation_model=operation,
            )
            output = self.runtime.dispatcher.invoke(
                ctx, parse=lambda: parse_request(operation, request, route.protocol))
            # ctx.response: what the provider set beyond its model (S3's 206 for a range read).
            response = serialize_response(operation, output, route.protocol, request_id, ctx.response)
        except ServiceError as error:
            response = serialize_error(model, operation, error, route.protocol, request_id)
        if request.method == "HEAD":
            response.body = b""
        return response

    def handle_on_loop(self, request: HttpRequest) -> HttpResponse | None:
        """``handle`` on the event loop; None when the request turned out to need a worker thread (nothing was
        done for it: it is handled again there, as it came)."""
        path = request.path  # routing may rewrite it (S3 virtual hosts)
        request.on_loop = True
        try:
            return self.handle(request)
        except NeedsThread:
            request.path = path
            return None
        finally:
            request.on_loop = False

    # A front worker (nimbus/workers/front.py) hands these to the primary instead.
    def unrouted(self, request: HttpRequest, error: ServiceError, request_id: str) -> HttpResponse:
        return unrouted_error(request, error, request_id)

    def check_route(self, service: str, operation: str) -> None:
        """Every operation is answered here (a front worker answers only some)."""

    def answer_without_blocking(self, request: HttpRequest, foreign_host: bool = False) -> HttpResponse | None:
        """The answer of a service that can make it on the event loop (traits.answers_without_blocking).
        With ``foreign_host`` (a Host nimbus does not answer as) only the first service with names of its
        own may answer, as ``handle_foreign_host`` would send it there; it answers only for a name it knows
        from memory."""
        for traits, answer in self._direct:
            if foreign_host and traits.serves_host is not None:
                return None if _claims(traits, request) else answer(self.runtime, request)
            if not foreign_host and _claims(traits, request):
                return answer(self.runtime, request)
        return None

    def handle_foreign_host(self, request: HttpRequest, refused: ServiceError) -> HttpResponse:
        """A request to a Host nimbus does not answer as: a service's own data-plane name (a CloudFront
        distribution's domain name or alias), or else ``refused``."""
        services, host = self.runtime.services, host_name(request.headers.get("host", ""))
        name = next((n for n in services.names if _serves(self.runtime, services.traits(n), host)), None)
        if name is None:
            return unrouted_error(request, refused, "")
        return self.raw(name, request, str(uuid.uuid4()))

    def _without_operation(self, request: HttpRequest, request_id: str) -> HttpResponse | None:
        """Requests no model operation covers, which a service claims (S3's CORS preflights and websites)."""
        name = next((n for n, claims in self._claimers if claims(request)), None)
        if name is None:
            return None
        if request.on_loop:
            raise NeedsThread("a request no operation covers")
        return self.raw(name, request, request_id)

    def raw(self, name: str, request: HttpRequest, request_id: str) -> HttpResponse:
        service = self.runtime.services.get(name)
        try:
            response = service.provider.handle_raw(request)
        except ServiceError as error:
            response = serialize_error(service.model, None, error, service.info.protocols[0], request_id)
        if request.method == "HEAD":
            response.body = b""
        return response


def request_id_v4() -> str:
    """A random (version 4) UUID's text, as ``str(uuid.uuid4())`` writes it without its object (1.4% of a
    small call)."""
    data = bytearray(os.urandom(16))
    data[6] = data[6] & 0x0F | 0x40
    data[8] = data[8] & 0x3F | 0x80
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _serves(runtime: Runtime, traits: ServiceTraits, host: str) -> bool:
    return traits.serves_host is not None and traits.serves_host(runtime, host)


def _claims(traits: ServiceTraits, request: HttpRequest) -> bool:
    return traits.claims_raw_request is not None and traits.claims_raw_request(request)


def streams_input(operation) -> bool:
    """Whether the operation's payload is a streaming blob (S3 PutObject, UploadPart...)."""
    shape = operation.input_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    if payload is None:
        return False
    member = shape.members[payload]
    return member.type_name == "blob" and bool(member.serialization.get("streaming"))


def settle_body(request: HttpRequest, operation, limit: int) -> None:
    """A streaming operation reads its body as a file; any other operation gets it in memory (capped)."""
    if request.body_file is None:
        if streams_input(operation) and request.body:
            request.body_file = io.BytesIO(request.body)
        return
    if streams_input(operation):
        return
    if request.body_size() > limit:
        raise ServiceError("RequestEntityTooLarge", f"The request body exceeds the maximum of {limit} bytes.",
                           status=413)
    request.body_file.seek(0)
    request.body = request.body_file.read()
    request.body_file.close()
    request.body_file = None


def unrouted_error(request: HttpRequest, error: ServiceError, request_id: str) -> HttpResponse:
    """An error before any service model is known: answer in the style the client spoke."""
    status = error.status or 400
    headers = request.headers
    if "x-amz-target" in headers or "json" in headers.get("content-type", "") or "cbor" in headers.get("content-type", ""):
        body = json.dumps({"__type": error.code, "message": error.message}).encode()
        return HttpResponse(status, Headers({
            "content-type": "application/x-amz-json-1.1",
            "x-amzn-errortype": error.code,
            "x-amzn-requestid": request_id,
        }), body)
    if FORM_TYPE in headers.get("content-type", "") or "Action" in request.query:
        text = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    return HttpResponse(status, Headers({"content-type": "text/xml", "x-amz-request-id": request_id, **error.headers}),
                        text.encode() if request.method != "HEAD" else b"")
