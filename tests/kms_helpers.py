"""Shared bits of the KMS tests."""
from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    """(code, message) of the ClientError a call raises."""
    with pytest.raises(ClientError) as error:
        call(*args, **kwargs)
    body = error.value.response["Error"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return body["Code"], body.get("Message", "")


def advance(endpoint: str, seconds: float) -> None:
    requests.post(f"{endpoint}/_nimbus/clock", json={"advance_seconds": seconds}, timeout=5).raise_for_status()
