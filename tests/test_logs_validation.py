"""CloudWatch Logs answers model constraint failures as InvalidParameterException, never ValidationException."""
from __future__ import annotations

import pytest

from tests.support import error_of, unique


@pytest.fixture(scope="module")
def unchecked(aws):
    return aws("logs", parameter_validation=False)  # boto3 would refuse before sending


@pytest.mark.parametrize("operation, params, fragment", [
    ("create_log_group", {"logGroupName": ""}, "at 'logGroupName' failed to satisfy constraint: "
                                                "Member must have length greater than or equal to 1"),
    ("create_log_group", {"logGroupName": "bad name!"}, "Member must satisfy regular expression pattern"),
    ("create_log_group", {"logGroupName": "g" * 513}, "Member must have length less than or equal to 512"),
    ("describe_log_groups", {"limit": 51}, "Member must have value less than or equal to 50"),
    ("create_log_group", {"logGroupName": "ok", "logGroupClass": "COLD"}, "Member must satisfy enum value set"),
])
def test_model_constraints_are_invalid_parameter(unchecked, operation, params, fragment):
    error = error_of(getattr(unchecked, operation), **params)
    assert error == ("InvalidParameterException", 400)
    assert " detected: Value " in error.message and "validation error" in error.message
    assert fragment in error.message


def test_several_violations_are_counted_in_one_message(unchecked):
    error = error_of(unchecked.describe_log_streams, logGroupName="bad name!", limit=0)
    assert error == ("InvalidParameterException", 400)
    assert error.message.startswith("2 validation errors detected: ")


def test_missing_required_member_is_invalid_parameter(unchecked):
    error = error_of(unchecked.create_log_stream, logGroupName=unique("g"))
    assert error == ("InvalidParameterException", 400)
    assert "at 'logStreamName' failed to satisfy constraint: Member must not be null" in error.message


def test_valid_calls_still_reach_the_operation(aws):
    logs = aws("logs")
    assert error_of(logs.describe_log_streams, logGroupName=unique("missing")) == ("ResourceNotFoundException", 400)
