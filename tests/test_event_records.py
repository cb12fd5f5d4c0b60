"""API-call records are redacted when first read, once, and never show raw values when redaction fails."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nimbus.core.events import ApiCallEvent


def _event(redaction) -> ApiCallEvent:
    return ApiCallEvent(time=datetime.now(UTC), request_id="r", account_id="000000000000", region="us-east-1",
                        principal={}, access_key_id=None, source_ip="127.0.0.1", user_agent="", service="kms",
                        operation="Encrypt", request_parameters={"Plaintext": b"secret"}, response={"KeyId": "k"},
                        error_code=None, error_message=None, read_only=False, internal=False, redaction=redaction)


def test_redaction_runs_on_first_read_only_once_and_never_unread():
    calls = []

    def redaction(params, output):
        calls.append((params, output))
        return {"Plaintext": "HIDDEN_DUE_TO_SECURITY_REASONS"}, output

    event = _event(redaction)
    assert calls == []  # publishing built nothing
    assert event.request_parameters == {"Plaintext": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    assert event.response == {"KeyId": "k"}
    assert calls == [({"Plaintext": b"secret"}, {"KeyId": "k"})]
    assert _event(redaction).operation == "Encrypt" and len(calls) == 1  # read other fields: no redaction


def test_a_failed_redaction_never_shows_the_raw_values():
    def broken(params, output):
        raise ValueError("cannot redact")

    event = _event(broken)
    for _ in range(2):
        with pytest.raises(ValueError):
            _ = event.request_parameters
        with pytest.raises(ValueError):
            _ = event.response
