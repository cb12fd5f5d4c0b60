"""Shared bits of the KMS tests."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import advance_clock


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    """(code, message) of the ClientError a call raises."""
    with pytest.raises(ClientError) as error:
        call(*args, **kwargs)
    body = error.value.response["Error"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return body["Code"], body.get("Message", "")


def advance(endpoint: str, seconds: float) -> None:
    advance_clock(endpoint, seconds)
