"""Smithy RPC v2 CBOR responses and errors."""
from __future__ import annotations

import cbor2
from botocore.model import OperationModel, ServiceModel, Shape

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse
from nimbus.protocol.serializers.awsjson import query_error_header
from nimbus.protocol.serializers.common import add_headers, base_headers
from nimbus.protocol.serializers.documents import DocumentEncoder
from nimbus.protocol.serializers.errors import error_document, resolve
from nimbus.protocol.serializers.scalars import epoch_seconds

CONTENT_TYPE = "application/cbor"


def _timestamp(value) -> cbor2.CBORTag:
    # RPC v2 ignores timestampFormat: always tag 1 (epoch seconds).
    return cbor2.CBORTag(1, epoch_seconds(value))


def _blob(value) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _scalar(shape: Shape):
    if shape.type_name == "timestamp":
        return _timestamp
    if shape.type_name == "blob":
        return _blob
    # CBOR carries NaN and the infinities natively.
    return None


CBOR = DocumentEncoder(_scalar, wire_names=False)


def _headers(service_model: ServiceModel, request_id: str, with_body: bool):
    headers = base_headers(service_model, request_id, CONTENT_TYPE if with_body else None)
    headers["smithy-protocol"] = "rpc-v2-cbor"
    return headers


def serialize_response(operation_model: OperationModel, output: dict, request_id: str) -> HttpResponse:
    shape = operation_model.output_shape
    body = cbor2.dumps(CBOR.encode(shape, output)) if shape is not None else b""
    return HttpResponse(200, _headers(operation_model.service_model, request_id, bool(body)), body)


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None,
                    error: ServiceError, request_id: str) -> HttpResponse:
    resolved = resolve(service_model, operation_model, error)
    headers = _headers(service_model, request_id, True)
    query_error_header(service_model, resolved, headers)
    add_headers(headers, error.headers)
    body = {"__type": resolved.shape_code, **error_document(CBOR, resolved, error)}
    return HttpResponse(resolved.status, headers, cbor2.dumps(body))
