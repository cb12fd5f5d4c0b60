"""rest-xml responses and errors (S3, S3 Control, Route 53, CloudFront)."""
from __future__ import annotations

import functools
from collections.abc import Callable

from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.common import add_headers, base_headers, host_id, is_s3
from nimbus.protocol.serializers.errors import resolve
from nimbus.protocol.serializers.query import write_error_details
from nimbus.protocol.serializers.rest import layout, serialize_rest_response, write_locations
from nimbus.protocol.serializers.xmlwriter import escape, namespace_attribute, structure_writer

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@functools.cache
def _namespace(service_model: ServiceModel) -> str:
    """The service's document namespace, which AWS puts on every response root."""
    namespace = service_model.metadata.get("xmlNamespace") or _request_namespace(service_model)
    if isinstance(namespace, dict):
        namespace = namespace.get("uri")
    return namespace_attribute(namespace)


def _request_namespace(service_model: ServiceModel) -> dict | str | None:
    # rest-xml models rarely state the namespace in metadata, but their request
    # payloads carry it (S3's http://s3.amazonaws.com/doc/2006-03-01/).
    for name in service_model.operation_names:
        shape = service_model.operation_model(name).input_shape
        if shape is None:
            continue
        payload = shape.serialization.get("payload")
        for candidate in (shape, shape.members[payload]) if payload else (shape,):
            if candidate.serialization.get("xmlNamespace"):
                return candidate.serialization["xmlNamespace"]
    return None


@functools.cache
def _content_type(service_model: ServiceModel) -> str:
    return "application/xml" if is_s3(service_model) else "text/xml"


@functools.cache
def _document_encoder(service_model: ServiceModel) -> Callable[[Shape, dict], bytes]:
    default_namespace = _namespace(service_model)

    def encode(shape: Shape, value: dict) -> bytes:
        write = structure_writer(shape)
        out = [DECLARATION]
        write(out, shape.serialization.get("name", shape.name), value,
              "" if write.has_namespace else default_namespace)
        return "".join(out).encode()

    return encode


def serialize_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    service_model = operation_model.service_model
    headers = base_headers(service_model, request_id)
    if operation_model.name == "GetBucketLocation" and is_s3(service_model):
        return _bucket_location(service_model, output, headers)
    return serialize_rest_response(
        operation_model, output, headers, _content_type(service_model), _document_encoder(service_model))


def _bucket_location(service_model: ServiceModel, output: dict, headers) -> HttpResponse:
    # The one response botocore cannot model: S3 sends the bare constraint as the
    # root element (empty for us-east-1) and botocore's S3 handler reads its text.
    region = output.get("LocationConstraint")
    root = f"LocationConstraint{_namespace(service_model)}"
    element = f"<{root}>{escape(region)}</LocationConstraint>" if region else f"<{root}/>"
    headers["content-type"] = _content_type(service_model)
    return HttpResponse(200, headers, f"{DECLARATION}{element}".encode())


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    headers = base_headers(service_model, request_id, _content_type(service_model))
    if resolved.shape is not None:
        write_locations(layout(resolved.shape), error.fields, headers)
    add_headers(headers, error.headers)
    out = [DECLARATION]
    if is_s3(service_model):
        out.append("<Error>")
        write_error_details(out, resolved, error)
        out.append(f"<RequestId>{escape(request_id)}</RequestId><HostId>{host_id(request_id)}</HostId></Error>")
    else:
        out.append(f"<ErrorResponse{_namespace(service_model)}><Error><Type>{resolved.fault_type}</Type>")
        write_error_details(out, resolved, error)
        out.append(f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>")
    return HttpResponse(resolved.status, headers, "".join(out).encode())
