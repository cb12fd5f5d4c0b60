"""botocore's protocol output test vectors, run in reverse.

Each case gives a model, an operation and the parsed result (or error) a client
must get. We serialize that result with nimbus, parse our response with
botocore's own parser, and expect the case's result back. The preparation and
result fix-ups mirror botocore's tests/unit/test_protocols.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.awsrequest import HeadersDict
from botocore.model import ServiceModel
from botocore.parsers import ResponseParserFactory
from botocore.utils import parse_timestamp
from dateutil.tz import tzutc

from nimbus.protocol.errors import ServiceError
from nimbus.protocol.serializers import serialize_error, serialize_response

# Vendored from botocore (Apache-2.0; LICENSE.txt and NOTICE beside them).
CASES_DIR = Path(__file__).resolve().parent / "conformance" / "botocore-protocol-tests" / "output"
REQUEST_ID = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"
# Headers every nimbus response carries; a header map bound to the empty prefix
# also collects them (as it would from AWS), but the vectors only list their own.
PROTOCOL_HEADERS = ("content-type", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2", "smithy-protocol")

# "file::case id" -> why the round trip through botocore's parser cannot work.
SKIP = {
    "ec2::Ec2XmlLists":
        "several flattened members use list shapes whose member is named 'item': botocore names "
        "flattened elements after the list member (as real AWS models encode them), so their "
        "elements collide",
    "query::QueryXmlLists":
        "several flattened members use list shapes whose member is named 'item': botocore names "
        "flattened elements after the list member (as real AWS models encode them), so their "
        "elements collide",
    "rest-xml::XmlLists":
        "several flattened members use list shapes whose member is named 'item': botocore names "
        "flattened elements after the list member (as real AWS models encode them), so their "
        "elements collide",
    "rest-json::RestJsonInputAndOutputWithQuotedStringHeaders":
        "botocore splits header lists on every comma, even inside the quoted strings "
        "AWS uses for items that contain commas",
    "rest-json::RestJsonInputAndOutputWithTimestampHeaders":
        "botocore splits header lists on every comma, so an http-date list "
        "(\"Mon, 16 Dec 2019 ...\") cannot round-trip",
    "rest-xml::InputAndOutputWithTimestampHeaders":
        "botocore splits header lists on every comma, so an http-date list "
        "(\"Mon, 16 Dec 2019 ...\") cannot round-trip",
    "rest-json::RestJsonHttpPayloadTraitsWithNoBlobBody":
        "botocore always reports a blob payload member, as '' for an empty body; "
        "no response can make it absent",
    "rest-xml::HttpPayloadTraitsWithNoBlobBody":
        "botocore always reports a blob payload member, as '' for an empty body; "
        "no response can make it absent",
    "rest-json::RestJsonHttpPayloadWithUnsetUnion":
        "botocore parses any body, even an empty one, into the union payload member and then "
        "rejects it for not having exactly one member set; an unset payload cannot be expressed",
    "rest-xml::RestXmlHttpPayloadWithUnsetUnion":
        "botocore parses any body, even an empty one, into the union payload member and then "
        "rejects it for not having exactly one member set; an unset payload cannot be expressed",
}


def _protocol(file_stem: str) -> str:
    if file_stem.startswith("json_1_0"):
        return "json"
    if file_stem.startswith("smithy-rpc-v2-cbor"):
        return "smithy-rpc-v2-cbor"
    return file_stem


def _cases():
    for path in sorted(CASES_DIR.glob("*.json")):
        for suite in json.loads(path.read_text(encoding="utf-8")):
            for case in suite["cases"]:
                case_id = f"{path.stem}::{case['id']}"
                marks = [pytest.mark.skip(reason=SKIP[case_id])] if case_id in SKIP else []
                yield pytest.param(_protocol(path.stem), suite, case, id=case_id, marks=marks)


def test_vectors_are_in_the_repo():
    """Missing vectors must fail the suite, not quietly parametrize nothing."""
    assert len(list(CASES_DIR.glob("*.json"))) == 10


@pytest.mark.parametrize("protocol, suite, case", list(_cases()))
def test_output_case(protocol, suite, case):
    name = case["given"]["name"]
    service_model = ServiceModel({
        "metadata": suite["metadata"],
        "shapes": suite["shapes"],
        "operations": {name: case["given"]},
    })
    operation_model = service_model.operation_model(name)
    output_shape = operation_model.output_shape

    if "error" in case:
        fields = dict(case["error"])
        message = case.get("errorMessage", "")
        for key in [key for key in fields if key.lower() == "message"]:
            value = fields.pop(key)
            message = message or value
        error = ServiceError(case["errorCode"], message, **fields)
        response = serialize_error(service_model, operation_model, error, protocol, REQUEST_ID)
        expected = {"Error": {"Code": case["errorCode"], "Message": case.get("errorMessage", "")}, **case["error"]}
    else:
        result = _floats_from_strings(output_shape, case.get("result", {}))
        response = serialize_response(operation_model, result, protocol, REQUEST_ID)
        expected = case["result"]
        if protocol == "query" and output_shape is not None and output_shape.members:
            # As botocore's runner: the vectors' models omit the resultWrapper the parser needs.
            output_shape.serialization.setdefault("resultWrapper", f"{name}Result")

    factory = ResponseParserFactory()
    factory.set_parser_defaults(timestamp_parser=_epoch_seconds)
    parser = factory.create_parser(protocol)
    http = {
        "status_code": response.status,
        "headers": HeadersDict(response.headers),
        "body": response.body_bytes(),
        "context": {"operation_name": name},
    }
    parsed = parser.parse(http, output_shape)
    if "error" in case:
        error_shape = service_model.shape_for_error_code(parsed["Error"]["Code"])
        if error_shape is not None:
            parsed.update(parser.parse(http, error_shape))

    assert _fixup(parsed, output_shape) == expected
    if not service_model.is_query_compatible:
        # Query-compatible vectors answer 400 where the model's httpStatusCode (taken
        # from the awsQuery error code) says 402; in real models the two agree.
        assert response.status == case["response"]["status_code"]


def _epoch_seconds(value) -> float:
    return parse_timestamp(value).astimezone(tzutc()).timestamp()


def _floats_from_strings(shape, value):
    """The vectors spell NaN and the infinities as strings; the serializer takes floats."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind in ("float", "double") and isinstance(value, str):
        return float(value)
    if kind == "structure" and not shape.metadata.get("document"):
        return {key: _floats_from_strings(shape.members.get(key), item) for key, item in value.items()}
    if kind == "list":
        return [_floats_from_strings(shape.member, item) for item in value]
    if kind == "map":
        return {key: _floats_from_strings(shape.value, item) for key, item in value.items()}
    return value


def _fixup(parsed: dict, output_shape) -> dict:
    """botocore's fix-ups of parsed results, plus two for nimbus' responses (marked)."""
    parsed.pop("ResponseMetadata", None)
    parsed = _plain(parsed)
    if "Error" in parsed:
        parsed["Error"] = {key: value for key, value in parsed["Error"].items() if key in ("Code", "Message")}
        # nimbus: XML errors always carry <Message>, which botocore reads as None when empty.
        if parsed["Error"].get("Message") is None:
            parsed["Error"]["Message"] = ""
    elif output_shape is not None:
        # nimbus: see PROTOCOL_HEADERS.
        for name, member in output_shape.members.items():
            serialization = member.serialization
            if serialization.get("location") == "headers" and not serialization.get("name") and name in parsed:
                for header in PROTOCOL_HEADERS:
                    parsed[name].pop(header, None)
    return parsed


def _plain(value):
    """Blobs as str and special floats as the vectors spell them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return value
