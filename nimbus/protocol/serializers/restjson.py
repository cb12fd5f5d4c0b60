"""rest-json responses and errors."""
from __future__ import annotations

from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.awsjson import JSON, dumps, query_error_header
from nimbus.protocol.serializers.common import add_headers, base_headers
from nimbus.protocol.serializers.errors import error_document, resolve
from nimbus.protocol.serializers.rest import layout, serialize_rest_response, write_locations

CONTENT_TYPE = "application/json"


def _document(shape: Shape, value) -> bytes:
    return dumps(JSON.encode(shape, value)).encode()


def serialize_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    headers = base_headers(operation_model.service_model, request_id)
    return serialize_rest_response(operation_model, output, headers, CONTENT_TYPE, _document)


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    headers = base_headers(service_model, request_id, CONTENT_TYPE)
    headers["x-amzn-errortype"] = resolved.shape_code
    query_error_header(service_model, resolved, headers)
    if resolved.shape is not None:
        write_locations(layout(resolved.shape), error.fields, headers)
    add_headers(headers, error.headers)
    return HttpResponse(resolved.status, headers, dumps(error_document(JSON, resolved, error)).encode())
