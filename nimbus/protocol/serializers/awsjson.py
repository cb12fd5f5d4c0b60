"""awsJson 1.0 / 1.1 responses and errors, and the JSON documents rest-json reuses."""
from __future__ import annotations

import functools
import json

from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.common import add_headers, base_headers
from nimbus.protocol.serializers.documents import DocumentEncoder
from nimbus.protocol.serializers.errors import ResolvedError, error_document, resolve
from nimbus.protocol.serializers.scalars import base64_text, epoch_seconds, float_value, timestamp_text

dumps = json.JSONEncoder(separators=(",", ":")).encode


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
    body = dumps(JSON.encode(shape, output)) if shape is not None else "{}"
    headers = base_headers(service_model, request_id, _content_type(service_model))
    return HttpResponse(200, headers, body.encode())


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    headers = base_headers(service_model, request_id, _content_type(service_model))
    headers["x-amzn-errortype"] = resolved.shape_code
    query_error_header(service_model, resolved, headers)
    add_headers(headers, error.headers)
    body = {"__type": resolved.shape_code, **error_document(JSON, resolved, error)}
    return HttpResponse(resolved.status, headers, dumps(body).encode())
