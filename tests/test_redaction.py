"""Redaction worked out once per shape hides exactly what a walk over every member hid, and leaves alone (without a
copy) what holds no secret."""
from __future__ import annotations

import botocore.session
import pytest

from nimbus.core.redaction import HIDDEN, redact

_MODELS = botocore.session.get_session()
KMS_HIDDEN = frozenset({"CiphertextBlob", "GrantTokens", "PublicKey"})


def _walk_every_member(shape, value, hidden):
    """The walk redaction replaced: every member, list item and map value visited, every level copied."""
    if value is None or shape is None:
        return value
    if shape.metadata.get("sensitive"):
        return HIDDEN
    if shape.type_name == "structure" and isinstance(value, dict):
        return {name: (HIDDEN if name in hidden else _walk_every_member(shape.members.get(name), item, hidden))
                for name, item in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_walk_every_member(shape.member, item, hidden) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: _walk_every_member(shape.value, item, hidden) for key, item in value.items()}
    return value


def _sample(shape, depth=0):
    """A document of ``shape`` with every member set (recursive shapes cut off), some to None, one unmodelled."""
    if depth > 6:
        return None
    kind = shape.type_name
    if kind == "structure":
        value = {name: _sample(member, depth + 1) for name, member in shape.members.items()}
        value["NotInTheModel"] = "kept"
        for name in list(value)[1::4]:
            value[name] = None
        return value
    if kind == "list":
        return [_sample(shape.member, depth + 1), None]
    if kind == "map":
        return {"a": _sample(shape.value, depth + 1), "b": None}
    return {"blob": b"bytes", "boolean": True, "integer": 7, "long": 7, "double": 1.5, "float": 1.5,
            "timestamp": "2026-01-01T00:00:00Z"}.get(kind, "text")


@pytest.mark.parametrize("service", ["kms", "iam", "sts", "ssm", "cloudformation", "kinesis", "s3", "logs",
                                     "cloudfront", "emr", "kinesisanalyticsv2"])
def test_every_operation_is_redacted_as_by_a_walk_over_every_member(service):
    model = _MODELS.get_service_model(service)
    hidden = KMS_HIDDEN if service == "kms" else frozenset()
    for name in model.operation_names:
        operation = model.operation_model(name)
        for shape in (operation.input_shape, operation.output_shape):
            if shape is None:
                continue
            document = _sample(shape)
            assert redact(shape, document, hidden) == _walk_every_member(shape, document, hidden), name


def test_secrets_are_hidden_at_every_depth_and_the_original_is_left_as_it_was():
    shape = _MODELS.get_service_model("kms").operation_model("Encrypt").input_shape
    params = {"KeyId": "k", "Plaintext": b"secret", "GrantTokens": ["t"], "EncryptionContext": {"a": "b"}}
    assert redact(shape, params, KMS_HIDDEN) == {"KeyId": "k", "Plaintext": HIDDEN, "GrantTokens": HIDDEN,
                                                 "EncryptionContext": {"a": "b"}}
    assert params["Plaintext"] == b"secret" and params["GrantTokens"] == ["t"]
    nested = _MODELS.get_service_model("iam").operation_model("CreateLoginProfile").input_shape
    assert redact(nested, {"UserName": "u", "Password": "p"}) == {"UserName": "u", "Password": HIDDEN}


def test_a_document_whose_shape_holds_no_secret_is_not_walked_or_copied():
    shape = _MODELS.get_service_model("kinesis").operation_model("PutRecords").input_shape
    params = {"StreamName": "s", "Records": [{"Data": b"d", "PartitionKey": str(i)} for i in range(500)]}
    assert redact(shape, params) is params
