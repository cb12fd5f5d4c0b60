"""Fuzzing: whatever arrives, parsers raise only AWS-shaped errors and the server answers 4xx, not 5xx.

Both parse_request and the dispatcher end in a catch-all that turns a bug into a generic error; an
error that came through either is a failure here, however AWS-shaped it looks."""
from __future__ import annotations

import json

import cbor2
from botocore.session import get_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nimbus.gateway.handler import RequestHandler
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest
from nimbus.protocol.parsers import parse_request
from nimbus.protocol.serializers import serialize_error
from tests.support import CATCH_ALL_MESSAGE, assert_not_catch_all

MODELS = {name: get_session().get_service_model(name) for name in ("kms", "s3", "iam", "ds", "lambda", "cloudfront")}
PROTOCOL = {"kms": "json", "s3": "rest-xml", "iam": "query", "ds": "smithy-rpc-v2-cbor", "lambda": "rest-json",
            "cloudfront": "rest-xml"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def operations():
    return st.sampled_from([(s, op) for s, m in MODELS.items() for op in m.operation_names])


def member_names(service: str, operation: str) -> list[str]:
    shape = MODELS[service].operation_model(operation).input_shape
    return list(shape.members) if shape is not None and shape.members else ["X"]


def body_for(service: str, operation: str, data) -> tuple[bytes, dict]:
    """A body that looks like the protocol's, built from the operation's real member names."""
    names = member_names(service, operation)
    fields = data.draw(st.dictionaries(st.sampled_from(names), json_values, max_size=4))
    protocol = PROTOCOL[service]
    if protocol == "json" or protocol == "rest-json":
        raw = data.draw(st.sampled_from(["json", "bytes"]))
        body = json.dumps(fields).encode() if raw == "json" else data.draw(st.binary(max_size=64))
        return body, {"content-type": "application/x-amz-json-1.1"}
    if protocol == "smithy-rpc-v2-cbor":
        raw = data.draw(st.sampled_from(["cbor", "bytes"]))
        body = cbor2.dumps(fields) if raw == "cbor" else data.draw(st.binary(max_size=64))
        return body, {"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    if protocol == "query":
        pairs = [f"{k}={json.dumps(v)[:30]}" for k, v in fields.items()]
        return "&".join([f"Action={operation}", "Version=2010-05-08", *pairs]).encode(), \
            {"content-type": "application/x-www-form-urlencoded"}
    xml = "".join(f"<{k}>{json.dumps(v)[:30]}</{k}>" for k, v in fields.items())
    return data.draw(st.sampled_from([xml.encode(), b"<a><b></a>", b"<!DOCTYPE x [<!ENTITY e 'x'>]><a>&e;</a>",
                                      data.draw(st.binary(max_size=64))])), {"content-type": "application/xml"}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations(), st.data())
def test_parsers_raise_only_service_errors(service_op, data):
    service, operation = service_op
    model = MODELS[service].operation_model(operation)
    body, headers = body_for(service, operation, data)
    uri = model.http.get("requestUri", "/").split("?")[0]
    path = data.draw(st.sampled_from([uri.replace("{", "").replace("}", "").replace("+", ""), "/",
                                      "/%ZZ/..", "/a%00b"]))
    query = data.draw(st.sampled_from(["", "x-id=1", "a=%ff&b", "max-keys=notanumber"]))
    request = HttpRequest(model.http.get("method", "POST"), path, query, headers, body)
    try:
        parse_request(model, request, PROTOCOL[service])
    except ServiceError as error:
        assert_not_catch_all(error)
        response = serialize_error(MODELS[service], model, error, PROTOCOL[service], "fuzz")
        assert 400 <= response.status < 500, (error.code, error.message)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_server_answers_garbage_with_4xx_and_keeps_state(server, data):
    handler_request = HttpRequest(
        method=data.draw(st.sampled_from(["POST", "GET", "PUT", "DELETE"])),
        path=data.draw(st.sampled_from(["/", "/x", "/service/Foo/operation/Bar", "/../../etc/passwd"])),
        query_string=data.draw(st.sampled_from(["", "Action=CreateUser", "Action=Nope&Version=1", "Action"])),
        headers=data.draw(st.sampled_from([
            {"content-type": "application/x-www-form-urlencoded"},
            {"content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.Encrypt"},
            {"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
            {"content-type": "text/plain"},
            {"authorization": "AWS4-HMAC-SHA256 Credential=garbage"},
        ])),
        body=data.draw(st.binary(max_size=128) | st.sampled_from([
            b"Action=CreateUser&Version=2010-05-08&UserName=",
            b"Action=CreateUser&Version=2010-05-08&UserName=fuzz%20bad&Path=nopath",
            b"Action=ListUsers&MaxItems=abc", b"{\"x\": ", b"\xa1\x61\x78",
        ])),
    )
    users_before = server.runtime.store.scan(("iam", "000000000000", "users"))
    response = RequestHandler(server.runtime).handle(handler_request)
    assert 400 <= response.status < 500 or response.status == 501, response.body_bytes()[:300]
    assert response.body_bytes()
    assert CATCH_ALL_MESSAGE.encode() not in response.body_bytes(), response.body_bytes()[:300]
    assert server.runtime.store.scan(("iam", "000000000000", "users")) == users_before
