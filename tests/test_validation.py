"""Request validation against botocore's models, with AWS's wording."""
from __future__ import annotations

import datetime
import re

import botocore.session
import pytest
from botocore.model import ServiceModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nimbus.protocol.errors import ValidationError
from nimbus.protocol.validation import validate_input

_session = botocore.session.get_session()


def _op(service: str, operation: str):
    return _session.get_service_model(service).operation_model(operation)


def _message(service: str, operation: str, params: dict, protocol: str = "json") -> str:
    with pytest.raises(ValidationError) as caught:
        validate_input(_op(service, operation), params, protocol)
    return caught.value.message


def _passes(service: str, operation: str, params: dict, protocol: str = "json") -> None:
    validate_input(_op(service, operation), params, protocol)


# -- single constraints -----------------------------------------------------------------------

def test_missing_required_member():
    assert _message("kms", "GenerateDataKey", {}) == (
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_explicit_none_counts_as_missing():
    assert "Value null at 'keyId'" in _message("kms", "GenerateDataKey", {"KeyId": None})


def test_bad_enum():
    assert _message("kms", "GenerateDataKey", {"KeyId": "k", "KeySpec": "AES_512"}) == (
        "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: "
        "Member must satisfy enum value set: [AES_256, AES_128]"
    )


def test_string_too_long():
    assert _message("kms", "GenerateDataKey", {"KeyId": "k" * 2049}).endswith(
        "at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048"
    )


def test_number_too_small():
    assert _message("sts", "AssumeRole", {
        "RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s", "DurationSeconds": 899,
    }, "query") == (
        "2 validation errors detected: "
        "Value 's' at 'roleSessionName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2; "
        "Value '899' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value greater than or equal to 900"
    )


def test_list_too_long():
    assert _message("kms", "GenerateDataKey", {"KeyId": "k", "GrantTokens": ["t"] * 11}) == (
        "1 validation error detected: Value '[t, t, t, t, t, t, t, t, t, t, t]' at 'grantTokens' "
        "failed to satisfy constraint: Member must have length less than or equal to 10"
    )


def test_pattern_mismatch():
    assert _message("iam", "CreateUser", {"UserName": "bad name"}, "query") == (
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )


def test_blob_too_long_is_shown_as_java_prints_it():
    data = bytes(10 * 1024 * 1024 + 1)
    assert _message("kinesis", "PutRecord", {"StreamName": "s", "Data": data, "PartitionKey": "p"}) == (
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' "
        "at 'data' failed to satisfy constraint: Member must have length less than or equal to 10485760"
    )


def test_sensitive_value_is_not_echoed():
    assert _message("kms", "Encrypt", {"KeyId": "k", "Plaintext": b""}) == (
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_wrong_type():
    assert _message("kinesis", "PutRecord", {"StreamName": "s", "Data": "text", "PartitionKey": "p"}) == (
        "1 validation error detected: Value 'text' at 'data' failed to satisfy constraint: "
        "Member must be of type blob"
    )
    assert "Member must be of type integer" in _message(
        "kms", "GenerateDataKey", {"KeyId": "k", "NumberOfBytes": True})


def test_empty_uri_label_is_left_to_the_router():
    _passes("lambda", "GetFunction", {"FunctionName": ""}, "rest-json")
    assert "at 'functionName'" in _message("lambda", "GetFunction", {"FunctionName": "no spaces"}, "rest-json")


# -- several violations, nesting --------------------------------------------------------------

def test_violations_are_counted_and_joined_in_model_order():
    assert _message("kms", "GenerateDataKey", {"KeyId": "k", "KeySpec": "x", "NumberOfBytes": 0}) == (
        "2 validation errors detected: "
        "Value '0' at 'numberOfBytes' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value 'x' at 'keySpec' failed to satisfy constraint: "
        "Member must satisfy enum value set: [AES_256, AES_128]"
    )


def test_one_value_can_break_several_constraints():
    message = _message("iam", "CreateUser", {"UserName": ""}, "query")
    assert message.startswith("2 validation errors detected: ")
    assert "Member must have length greater than or equal to 1; Value '' at 'userName'" in message


def test_nested_list_paths():
    tags = [{"Key": "ok", "Value": "a|b"}, {"Value": "v"}, None]
    assert _message("iam", "CreateUser", {"UserName": "bob", "Tags": tags}, "query") == (
        "3 validation errors detected: "
        "Value 'a|b' at 'tags.1.member.value' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*; "
        "Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null; "
        "Value null at 'tags.3.member' failed to satisfy constraint: Member must not be null"
    )


def test_nested_map_paths():
    items = {"Table": [{"PutRequest": {}}]}
    assert _message("dynamodb", "BatchWriteItem", {"RequestItems": items}) == (
        "1 validation error detected: Value null at 'requestItems.Table.member.1.member.putRequest.item' "
        "failed to satisfy constraint: Member must not be null"
    )


def test_map_values_are_judged_together():
    message = _message("dynamodb", "BatchWriteItem", {"RequestItems": {"a": [], "b": []}})
    assert message == (
        "1 validation error detected: Value '{a=[], b=[]}' at 'requestItems' failed to satisfy "
        "constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )


def test_map_keys_of_a_sensitive_map():
    params = {"FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r",
              "Code": {}, "Environment": {"Variables": {"_X": "secret", "Y1": "fine"}}}
    assert _message("lambda", "CreateFunction", params, "rest-json") == (
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    )


@pytest.mark.parametrize("protocol, code", [
    ("query", "ValidationError"), ("ec2", "ValidationError"), ("json", "ValidationException"),
    ("rest-json", "ValidationException"), ("rest-xml", "ValidationException"),
])
def test_error_code_follows_protocol(protocol, code):
    with pytest.raises(ValidationError) as caught:
        validate_input(_op("kms", "GenerateDataKey"), {}, protocol)
    assert (caught.value.code, caught.value.status, caught.value.sender_fault) == (code, 400, True)


# -- valid input ------------------------------------------------------------------------------

@pytest.mark.parametrize("service, operation, params", [
    ("kms", "GenerateDataKey", {"KeyId": "alias/k", "KeySpec": "AES_256", "GrantTokens": []}),
    ("kms", "Encrypt", {"KeyId": "k", "Plaintext": b"x", "EncryptionContext": {"a": "b"}}),
    ("iam", "CreateUser", {"UserName": "bob", "Path": "/dev/", "Tags": [{"Key": "Zürich 東京", "Value": ""}]}),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s1",
                           "DurationSeconds": 900}),
    ("sts", "GetCallerIdentity", {}),
    ("kinesis", "PutRecord", {"StreamName": "s", "Data": b"", "PartitionKey": "p"}),
    ("dynamodb", "PutItem", {"TableName": "t", "Item": {"a": {"M": {"b": {"L": [{"N": "1"}, {"NULL": True}]}}}}}),
    ("sqs", "ChangeMessageVisibility", {"QueueUrl": "q", "ReceiptHandle": "r", "VisibilityTimeout": 0}),
    ("s3", "PutObject", {"Bucket": "b", "Key": "k", "Body": b"x" * 10,
                         "Expires": datetime.datetime(2030, 1, 1)}),
])
def test_valid_input_passes(service, operation, params):
    protocol = _session.get_service_model(service).protocol
    _passes(service, operation, params, protocol)


# -- synthetic models: Java patterns and corner cases -----------------------------------------

def _synthetic(members: dict, shapes: dict, required=()) -> ServiceModel:
    return ServiceModel({
        "metadata": {"protocol": "json", "apiVersion": "2020-01-01", "endpointPrefix": "synthetic",
                     "jsonVersion": "1.1", "targetPrefix": "Synthetic"},
        "operations": {"Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/"},
                              "input": {"shape": "Input"}}},
        "shapes": {"Input": {"type": "structure", "required": list(required), "members": members},
                   **shapes},
    }, service_name="synthetic")


def _pattern_model(pattern: str) -> ServiceModel:
    return _synthetic({"Name": {"shape": "Name"}}, {"Name": {"type": "string", "pattern": pattern}})


@pytest.mark.parametrize("pattern, good, bad", [
    (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", "Zürich 東京 42", "a|b"),
    (r"[\w+=,.@-]+", "bob@example.com", "bøb"),  # Java's \w is ASCII-only
    (r"[\w- ]+", "a-b c", "a!b"),  # a '-' after \w is a literal in Java
    ("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF]+", "emoji 😀", "bell\x07"),
    (r"[\P{C}\s]*", "line\n", "nul\x00"),
    (r"\p{Upper}\p{Digit}+", "A1", "a1"),
    (r"[\x{41}-\x{43}]+\z", "ABC", "ABD"),
    (r"\pL+", "é", "1"),
])
def test_java_patterns(pattern, good, bad):
    operation = _pattern_model(pattern).operation_model("Op")
    validate_input(operation, {"Name": good}, "json")
    with pytest.raises(ValidationError, match=re.escape(f"pattern: {pattern}")):
        validate_input(operation, {"Name": bad}, "json")


@pytest.mark.parametrize("pattern", [r"[\p{Print}&&[^|:/]]+", r"\p{IsAlphabetic}+", "(unclosed"])
def test_patterns_python_cannot_honour_are_skipped(pattern):
    validate_input(_pattern_model(pattern).operation_model("Op"), {"Name": "|anything|"}, "json")


def test_floating_point_bounds_are_printed_as_java_does():
    model = _synthetic({"Weight": {"shape": "Weight"}}, {"Weight": {"type": "double", "min": 0, "max": 1}})
    with pytest.raises(ValidationError) as caught:
        validate_input(model.operation_model("Op"), {"Weight": 1.5}, "json")
    assert caught.value.message.endswith("Member must have value less than or equal to 1.0")


def test_sparse_collections_allow_nulls():
    shapes = {"Strict": {"type": "list", "member": {"shape": "S"}},
              "Sparse": {"type": "list", "member": {"shape": "S"}, "sparse": True},
              "StrictMap": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
              "SparseMap": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}, "sparse": True},
              "S": {"type": "string"}}
    members = {name: {"shape": name} for name in ("Strict", "Sparse", "StrictMap", "SparseMap")}
    operation = _synthetic(members, shapes).operation_model("Op")
    params = {"Strict": ["a", None], "Sparse": ["a", None], "StrictMap": {"k": None}, "SparseMap": {"k": None}}
    with pytest.raises(ValidationError) as caught:
        validate_input(operation, params, "json")
    assert caught.value.message == (
        "2 validation errors detected: "
        "Value null at 'strict.2.member' failed to satisfy constraint: Member must not be null; "
        "Value '{k=null}' at 'strictMap' failed to satisfy constraint: "
        "Map value must satisfy constraint: [Member must not be null]"
    )


def test_recursive_shapes():
    shapes = {"Node": {"type": "structure", "required": ["Id"],
                       "members": {"Id": {"shape": "Id"}, "Children": {"shape": "Nodes"}}},
              "Nodes": {"type": "list", "member": {"shape": "Node"}},
              "Id": {"type": "string", "max": 2}}
    operation = _synthetic({"Root": {"shape": "Node"}}, shapes).operation_model("Op")
    root = {"Id": "r", "Children": [{"Id": "a", "Children": [{"Id": "toolong"}]}]}
    with pytest.raises(ValidationError, match=r"at 'root\.children\.1\.member\.children\.1\.member\.id'"):
        validate_input(operation, {"Root": root}, "json")


def test_models_sharing_shape_names_do_not_share_rules():
    loose = _synthetic({"Name": {"shape": "Name"}}, {"Name": {"type": "string"}})
    strict = _synthetic({"Name": {"shape": "Name"}}, {"Name": {"type": "string", "max": 1}})
    validate_input(loose.operation_model("Op"), {"Name": "long"}, "json")
    with pytest.raises(ValidationError):
        validate_input(strict.operation_model("Op"), {"Name": "long"}, "json")
    validate_input(loose.operation_model("Op"), {"Name": "long"}, "json")


# -- random input -----------------------------------------------------------------------------

_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.binary(max_size=8) | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


def _shaped(shape, depth: int = 0):
    """Values near the shape (so nested checks run), mixed with anything at all."""
    if depth > 4:
        return _junk
    kind = shape.type_name
    if kind == "structure":
        near = st.fixed_dictionaries({}, optional={
            name: _shaped(member, depth + 1) for name, member in shape.members.items()})
    elif kind == "list":
        near = st.lists(_shaped(shape.member, depth + 1), max_size=3)
    elif kind == "map":
        near = st.dictionaries(st.text(max_size=4), _shaped(shape.value, depth + 1), max_size=3)
    elif kind == "string":
        near = st.sampled_from(shape.enum) if shape.enum else st.text(max_size=12)
    elif kind in ("integer", "long"):
        near = st.integers()
    elif kind in ("float", "double"):
        near = st.floats()
    elif kind == "blob":
        near = st.binary(max_size=8)
    else:
        near = _junk
    return near | _junk


_OPERATIONS = [("kms", "GenerateDataKey"), ("iam", "CreateUser"), ("sts", "AssumeRole"),
               ("kinesis", "PutRecords"), ("dynamodb", "PutItem"), ("lambda", "CreateFunction")]


@st.composite
def _requests(draw):
    service, operation = draw(st.sampled_from(_OPERATIONS))
    model = _op(service, operation)
    params = draw(st.dictionaries(st.text(max_size=6), _junk, max_size=2)
                  | _shaped(model.input_shape).filter(lambda p: isinstance(p, dict)))
    return model, params


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_requests())
def test_random_input_raises_only_validation_errors(request):
    model, params = request
    try:
        validate_input(model, params, "json")
    except ValidationError as error:
        count = int(re.match(r"(\d+) validation errors? detected: Value", error.message).group(1))
        assert count >= 1
        assert error.message.startswith(f"{count} validation error{'s' if count > 1 else ''} detected")
