"""awsQuery responses (``<OpResponse><OpResult>``) and errors, and the XML error details ec2 and rest-xml reuse."""
from __future__ import annotations

import functools

from botocore.model import OperationModel, ServiceModel

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.common import add_headers, base_headers
from nimbus.protocol.serializers.errors import ResolvedError, message_member, resolve, unmodeled_fields
from nimbus.protocol.serializers.xmlwriter import escape, namespace_attribute, structure_writer

CONTENT_TYPE = "text/xml"


@functools.cache
def _namespace(service_model: ServiceModel) -> str:
    metadata = service_model.metadata
    namespace = metadata.get("xmlNamespace")
    if not namespace and "endpointPrefix" in metadata and "apiVersion" in metadata:
        namespace = f"https://{metadata['endpointPrefix']}.amazonaws.com/doc/{metadata['apiVersion']}/"
    return namespace_attribute(namespace)


def write_error_details(out: list, resolved: ResolvedError, error: ServiceError) -> None:
    """``<Code>``, ``<Message>`` and the error's fields, as they sit inside an XML ``<Error>``.

    Message is always written, even empty, so that clients always find the key.
    """
    shape, fields = resolved.shape, error.fields
    message_name = message_member(shape)
    message = error.message
    if not message and message_name:
        message = fields.get(message_name) or ""
    out.append(f"<Code>{escape(resolved.query_code)}</Code><Message>{escape(message)}</Message>")
    if shape is not None:
        modeled = {name: value for name, value in fields.items() if name != message_name}
        structure_writer(shape).write_members(out, modeled)
    for name, value in unmodeled_fields(shape, fields):
        out.append(f"<{name}>{escape(str(value))}</{name}>")


def serialize_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    service_model = operation_model.service_model
    name = operation_model.name
    out = [f"<{name}Response{_namespace(service_model)}>"]
    shape = operation_model.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper") or f"{name}Result"
        structure_writer(shape)(out, wrapper, output)
    out.append(
        f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata></{name}Response>")
    headers = base_headers(service_model, request_id, CONTENT_TYPE)
    return HttpResponse(200, headers, "".join(out).encode())


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    out = [f"<ErrorResponse{_namespace(service_model)}><Error><Type>{resolved.fault_type}</Type>"]
    write_error_details(out, resolved, error)
    out.append(f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>")
    headers = base_headers(service_model, request_id, CONTENT_TYPE)
    add_headers(headers, error.headers)
    return HttpResponse(resolved.status, headers, "".join(out).encode())
