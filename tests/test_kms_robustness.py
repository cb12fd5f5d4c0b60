"""Every KMS operation, given only its required members with odd values, answers AWS-shaped 4xx, never 5xx."""
from __future__ import annotations

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from nimbus.protocol import models

CUSTOM_KEY_STORE_OPERATIONS = {"ConnectCustomKeyStore", "CreateCustomKeyStore", "DeleteCustomKeyStore",
                               "DescribeCustomKeyStores", "DisconnectCustomKeyStore", "UpdateCustomKeyStore"}


def _value(shape, key_id: str):
    if shape.name in ("KeyIdType", "KeyIdOrArn"):
        return key_id
    if getattr(shape, "enum", None):
        return shape.enum[-1]
    return {"string": "x", "blob": b"\x01" * 8, "integer": 1, "long": 1, "boolean": True,
            "list": [], "map": {}, "structure": {}, "timestamp": 0}.get(shape.type_name, "x")


@pytest.mark.parametrize("operation", sorted(set(models.service_model("kms").operation_names)
                                            - CUSTOM_KEY_STORE_OPERATIONS))
def test_minimal_odd_input_never_fails_the_server(client, operation):
    kms = client("kms", parameter_validation=False)
    model = models.service_model("kms").operation_model(operation)
    for key_id in (kms.create_key()["KeyMetadata"]["KeyId"], "alias/aws/ebs", "arn:aws:kms:us-east-1:1:key/x"):
        params = {name: _value(model.input_shape.members[name], key_id)
                  for name in model.input_shape.required_members} if model.input_shape else {}
        try:
            getattr(kms, xform_name(operation))(**params)
        except ClientError as error:
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, (operation, error.response["Error"])
