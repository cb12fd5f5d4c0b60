"""Responses and errors exactly as AWS sends them, for every protocol, driven by botocore models.

``output`` dicts are keyed by the output shape's member names, as boto3 returns
them: timestamps are datetimes (naive means UTC) or epoch numbers, blobs are
bytes or str, a streaming payload may also be an iterable of bytes or a binary
file. Members the shape does not declare and None values are left out.
"""
from __future__ import annotations

from botocore.model import OperationModel, ServiceModel

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpResponse, ResponseOverrides
from nimbus.protocol.serializers import awsjson, cbor, ec2, query, restjson, restxml

_PROTOCOLS = {
    "json": awsjson,
    "query": query,
    "ec2": ec2,
    "rest-json": restjson,
    "rest-xml": restxml,
    "smithy-rpc-v2-cbor": cbor,
}
# HTTP forbids a body on these (S3 answers a failed conditional GET with a bare 304).
_BODILESS = frozenset((204, 304))


def serialize_response(operation_model: OperationModel, output: dict | None, protocol: str,
                       request_id: str, overrides: ResponseOverrides | None = None) -> HttpResponse:
    response = _PROTOCOLS[protocol].serialize_response(operation_model, output or {}, request_id)
    if overrides is not None:
        overrides.apply(response)
    return _without_forbidden_body(response)


def serialize_error(service_model: ServiceModel, operation_model: OperationModel | None, error: ServiceError,
                    protocol: str, request_id: str) -> HttpResponse:
    response = _PROTOCOLS[protocol].serialize_error(service_model, operation_model, error, request_id)
    return _without_forbidden_body(response)


def _without_forbidden_body(response: HttpResponse) -> HttpResponse:
    if response.status in _BODILESS:
        close = getattr(response.body, "close", None)
        if close is not None:  # a stream's generator closes its file
            close()
        response.body = b""
        response.headers.pop("content-type", None)
    return response


__all__ = ["serialize_error", "serialize_response"]
