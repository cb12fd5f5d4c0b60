"""EC2 query responses (members directly under ``<OpResponse>``) and ``<Response><Errors>`` errors."""
from __future__ import annotations

import functools

from botocore.model import OperationModel, ServiceModel

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.common import add_headers, base_headers
from nimbus.protocol.serializers.errors import resolve
from nimbus.protocol.serializers.query import write_error_details
from nimbus.protocol.serializers.xmlwriter import escape, namespace_attribute, structure_writer

CONTENT_TYPE = "text/xml;charset=UTF-8"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@functools.cache
def _namespace(service_model: ServiceModel) -> str:
    # The model spells it without the trailing slash that EC2 itself sends.
    namespace = service_model.metadata.get("xmlNamespace")
    return namespace_attribute(namespace.rstrip("/") + "/" if namespace else None)


def serialize_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    service_model = operation_model.service_model
    name = operation_model.name
    out = [f"{DECLARATION}<{name}Response{_namespace(service_model)}><requestId>{escape(request_id)}</requestId>"]
    shape = operation_model.output_shape
    if shape is not None:
        structure_writer(shape).write_members(out, output)
    out.append(f"</{name}Response>")
    headers = base_headers(service_model, request_id, CONTENT_TYPE)
    return HttpResponse(200, headers, "".join(out).encode())


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    out = [f"{DECLARATION}<Response><Errors><Error>"]
    write_error_details(out, resolved, error)
    out.append(f"</Error></Errors><RequestID>{escape(request_id)}</RequestID></Response>")
    headers = base_headers(service_model, request_id, CONTENT_TYPE)
    add_headers(headers, error.headers)
    return HttpResponse(resolved.status, headers, "".join(out).encode())
