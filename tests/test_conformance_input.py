"""botocore's input protocol vectors, run in reverse: each serialized request must parse back to its params.

For every case the service model is built the way botocore's own
tests/unit/test_protocols.py does (suite metadata and shapes plus the case's
operation), the HTTP request is rebuilt from ``serialized``, and
``parse_request`` must return ``params``, normalized to what a server can know
(timestamps as datetimes, blobs as bytes, floats as floats). The same models
then check that malformed requests become AWS errors with the protocol's code.
"""
from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.compress import maybe_compress_request
from botocore.config import Config
from botocore.model import ServiceModel
from botocore.serialize import create_serializer

from nimbus.protocol.errors import ProtocolError, ValidationError
from nimbus.protocol.http import HttpRequest
from nimbus.protocol.parsers import parse_request
from tests.support import assert_not_catch_all

# Vendored from botocore (Apache-2.0; LICENSE.txt and NOTICE beside them).
VECTORS = Path(__file__).resolve().parent / "conformance" / "botocore-protocol-tests"

_AUTOFILL = (
    "The client generated the idempotency token because the caller left it out; "
    "the server sees a token and cannot know it was not passed."
)
_QUERY_PARAMS_MAP = (
    "A client-side precedence rule: the vector expects the querystring map to lack keys bound to "
    "other members, while a server puts every query parameter in the map (Smithy's "
    "RestJsonServersPutAllQueryParamsInMap), as the RestJsonQueryStringEscaping vector also expects."
)
SKIPS = {
    "ec2::Ec2ProtocolIdempotencyTokenAutoFill": _AUTOFILL,
    "query::QueryProtocolIdempotencyTokenAutoFill": _AUTOFILL,
    "rest-json::RestJsonQueryIdempotencyTokenAutoFill": _AUTOFILL,
    "rest-xml::QueryIdempotencyTokenAutoFill": _AUTOFILL,
    "rest-json::RestJsonQueryParamsStringListMap": _QUERY_PARAMS_MAP,
    "rest-json::RestJsonQueryPrecedence": _QUERY_PARAMS_MAP,
    "rest-xml::RestXmlQueryParamsStringListMap": _QUERY_PARAMS_MAP,
    "rest-xml::RestXmlQueryPrecedence": _QUERY_PARAMS_MAP,
    "rest-json::MediaTypeHeaderInputBase64": (
        "A jsonvalue header is base64 of JSON in botocore: a caller's 'true' travels as "
        "base64('\"true\"'). The vector sends base64('true'), which reads back as the JSON value True."
    ),
}


def _protocol(stem: str) -> str:
    if stem.startswith("json_1_0"):
        return "json"
    if stem.startswith("smithy-rpc-v2-cbor"):
        return "smithy-rpc-v2-cbor"
    return stem


def _cases() -> list:
    cases = []
    for path in sorted((VECTORS / "input").glob("*.json")):
        for suite in json.loads(path.read_text()):
            for case in suite["cases"]:
                case_id = f"{path.stem}::{case['id']}"
                marks = [pytest.mark.skip(reason=SKIPS[case_id])] if case_id in SKIPS else []
                cases.append(pytest.param(_protocol(path.stem), suite, case, id=case_id, marks=marks))
    return cases


def test_vectors_are_in_the_repo():
    """Missing vectors must fail the suite, not quietly parametrize nothing."""
    assert len(list((VECTORS / "input").glob("*.json"))) == 10


def _operation(suite: dict, case: dict):
    description = {key: value for key, value in suite.items() if key != "cases"}
    description["operations"] = {case["given"]["name"]: case["given"]}
    return ServiceModel(description).operation_model(case["given"]["name"])


def _client_body(operation, params: dict) -> bytes:
    """For vectors that omit the (compressed) body: what botocore itself sends for these params."""
    request = create_serializer(operation.metadata["protocol"]).serialize_to_request(params, operation)
    prepare_request_dict(request, "http://localhost")
    maybe_compress_request(Config(request_min_compression_size_bytes=1), request, operation)
    return request["body"]


def _request(protocol: str, operation, case: dict) -> HttpRequest:
    serialized = case["serialized"]
    uri = serialized["uri"]
    # A host with a path ("example.com/custom") is an endpoint with a base path;
    # the server mounted there sees the rest of the path.
    base_path = serialized.get("host", "").partition("/")[2].strip("/")
    if base_path and uri.startswith(f"/{base_path}"):
        uri = uri[len(base_path) + 1:] or "/"
    path, _, query = uri.partition("?")
    if "body" not in serialized:
        body = _client_body(operation, case["params"])
    elif protocol == "smithy-rpc-v2-cbor":
        body = base64.b64decode(serialized["body"])
    else:
        body = serialized["body"].encode()
    return HttpRequest(serialized["method"], path, query, serialized.get("headers", {}), body)


def _expected(shape, value):
    """The case's params as a server must return them: typed by the shape, nulls left out."""
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type:
        return {
            name: _expected(shape.members[name], item)
            for name, item in value.items()
            if item is not None
        }
    if kind == "list":
        return [_expected(shape.member, item) for item in value]
    if kind == "map":
        return {key: _expected(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return datetime.fromtimestamp(value, UTC)
    if kind == "blob" and isinstance(value, str):
        return value.encode()
    if kind in ("float", "double"):
        return float(value)
    return value


def _unrecoverable(protocol: str, shape, expected: dict, actual: dict) -> None:
    """Drop from the comparison what the wire cannot carry."""
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        flat_text = protocol in ("query", "ec2") or location in ("header", "headers", "querystring")
        if flat_text and expected.get(name) in ([], {}) and name not in actual:
            # Flat text encodings may leave an empty list or map out entirely.
            del expected[name]
        if location == "querystring" and member.type_name == "map" and name not in expected:
            # The vector's client set no catch-all map, but a server fills it from every query parameter.
            actual.pop(name, None)


def _typed(value):
    """Compare types as well as values (True == 1 and 1 == 1.0 in Python), and NaN equal to NaN."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "NaN")
    return (type(value).__name__, value)


@pytest.mark.parametrize("protocol, suite, case", _cases())
def test_request_parses_back_to_params(protocol, suite, case):
    operation = _operation(suite, case)
    actual = parse_request(operation, _request(protocol, operation, case), protocol)
    shape = operation.input_shape
    expected = _expected(shape, case["params"]) if shape is not None else {}
    if shape is not None:
        _unrecoverable(protocol, shape, expected, actual)
    assert _typed(actual) == _typed(expected)


def _vector_operation(stem: str, name: str):
    for suite in json.loads((VECTORS / "input" / f"{stem}.json").read_text()):
        for case in suite["cases"]:
            if case["given"]["name"] == name:
                return _operation(suite, case)
    raise LookupError(name)


_QUERY = "Action=SimpleInputParams&Version=2020-01-08&"
_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b"<SimpleScalarPropertiesRequest><stringValue>&b;</stringValue></SimpleScalarPropertiesRequest>"
)
MALFORMED = [
    # (vector file, operation, path, body, error, code)
    ("json", "KitchenSinkOperation", "/", b'{"Integer": "1"}', ProtocolError, "SerializationException"),
    ("json", "KitchenSinkOperation", "/", b'{"Integer": 1', ProtocolError, "SerializationException"),
    ("json", "KitchenSinkOperation", "/", b'{"Blob": "not base64!"}', ProtocolError, "SerializationException"),
    ("json", "KitchenSinkOperation", "/", b'{"Timestamp": "soon"}', ProtocolError, "SerializationException"),
    ("json", "KitchenSinkOperation", "/", b'{"Nope": 1}', ValidationError, "ValidationException"),
    ("json", "KitchenSinkOperation", "/", b'{"SimpleStruct": {"Nope": 1}}', ValidationError, "ValidationException"),
    ("smithy-rpc-v2-cbor", "SimpleScalarProperties", "/", b"\xff\xff", ProtocolError, "SerializationException"),
    ("query", "SimpleInputParams", "/", f"{_QUERY}Bam=ten".encode(), ProtocolError, "InvalidParameterValue"),
    ("query", "SimpleInputParams", "/", f"{_QUERY}Foo=%FF".encode(), ProtocolError, "MalformedQueryString"),
    ("query", "SimpleInputParams", "/", f"{_QUERY}Nope=1".encode(), ValidationError, "ValidationError"),
    ("ec2", "SimpleInputParams", "/", f"{_QUERY}Baz=maybe".encode(), ProtocolError, "InvalidParameterValue"),
    ("rest-json", "SimpleScalarProperties", "/SimpleScalarProperties", b'{"byteValue": true}',
     ProtocolError, "SerializationException"),
    ("rest-xml", "SimpleScalarProperties", "/SimpleScalarProperties", b"<SimpleScalarPropertiesRequest>",
     ProtocolError, "MalformedXML"),
    ("rest-xml", "SimpleScalarProperties", "/SimpleScalarProperties", _LAUGHS, ProtocolError, "MalformedXML"),
]


@pytest.mark.parametrize("stem, name, path, body, error, code", MALFORMED)
def test_malformed_request_is_an_aws_error(stem, name, path, body, error, code):
    operation = _vector_operation(stem, name)
    with pytest.raises(error) as raised:
        parse_request(operation, HttpRequest("POST", path, "", {}, body), _protocol(stem))
    assert raised.value.code == code
    assert_not_catch_all(raised.value)
