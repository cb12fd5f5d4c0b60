"""awsJson 1.0 / 1.1 responses and errors, and the JSON documents rest-json reuses."""
from __future__ import annotations

import functools

from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol import eventstream
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.common import add_headers, base_headers
from nimbus.protocol.serializers.documents import DocumentEncoder
from nimbus.protocol.serializers.encoded import json_body
from nimbus.protocol.serializers.errors import ResolvedError, error_document, resolve
from nimbus.protocol.serializers.json_bytes import json_text as dumps
from nimbus.protocol.serializers.scalars import base64_text, epoch_seconds, float_value, timestamp_text


def _scalar(shape: Shape):
    kind = shape.type_name
    if kind == "timestamp":
        timestamp_format = shape.serialization.get("timestampFormat", "unixTimestamp")
        if timestamp_format == "unixTimestamp":
            return epoch_seconds
        return functools.partial(timestamp_text, timestamp_format=timestamp_format)
    if kind == "blob":
        return base64_text
    if kind in ("float", "double"):
        return float_value
    return None


JSON = DocumentEncoder(_scalar, wire_names=True)


def query_error_header(service_model: ServiceModel, resolved: ResolvedError, headers) -> None:
    """Services migrated from awsQuery tell their clients the old error code and fault."""
    if service_model.is_query_compatible:
        headers["x-amzn-query-error"] = f"{resolved.query_code};{resolved.fault_type}"


def _content_type(service_model: ServiceModel) -> str:
    return f"application/x-amz-json-{service_model.metadata.get('jsonVersion', '1.0')}"


def serialize_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    service_model = operation_model.service_model
    shape = operation_model.output_shape
    if shape is not None and shape.event_stream_name:
        return _event_stream_response(operation_model, output, request_id)
    body = json_body(JSON.encode, shape, output) if shape is not None else b"{}"
    headers = base_headers(service_model, request_id, _content_type(service_model))
    return HttpResponse(200, headers, body)


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    headers = base_headers(service_model, request_id, _content_type(service_model))
    headers["x-amzn-errortype"] = resolved.shape_code
    query_error_header(service_model, resolved, headers)
    add_headers(headers, error.headers)
    body = {"__type": resolved.shape_code, **error_document(JSON, resolved, error)}
    return HttpResponse(resolved.status, headers, dumps(body).encode())


def _event_stream_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    """An output with an event-stream member: an initial-response frame with the other members, then one
    frame per event the provider's iterable yields, sent as they come (the connection stays open)."""
    shape = operation_model.output_shape
    name = shape.event_stream_name
    initial = {k: v for k, v in output.items() if k != name}
    headers = base_headers(operation_model.service_model, request_id, eventstream.CONTENT_TYPE)
    return HttpResponse(200, headers, _frames(shape, initial, shape.members[name], output.get(name) or ()))


def _frames(shape: Shape, initial: dict, stream_shape: Shape, events):
    yield eventstream.event_message("initial-response", dumps(JSON.encode(shape, initial)).encode())
    iterator = iter(events)
    try:
        for event in iterator:
            for event_name, payload in event.items():
                body = dumps(JSON.encode(stream_shape.members[event_name], payload)).encode()
                yield eventstream.event_message(event_name, body)
    except ServiceError as error:
        if error.code in stream_shape.members:
            yield eventstream.exception_message(error.code, dumps({"message": error.message}).encode())
        else:
            yield eventstream.error_message(error.code, error.message)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
