"""The fast JSON encoder writes exactly what the standard one writes, whatever the value."""
from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nimbus.protocol.serializers.json_bytes import json_bytes

STANDARD = json.JSONEncoder(separators=(",", ":")).encode

scalars = st.none() | st.booleans() | st.integers(min_value=-2 ** 80, max_value=2 ** 80) | st.floats() | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=5) | st.integers(), inner, max_size=4), max_leaves=20)


@settings(max_examples=500, deadline=None)  # a loaded machine must not fail it on time
@given(values)
def test_byte_identical_to_json(value):
    assert json_bytes(value) == STANDARD(value).encode()


@pytest.mark.parametrize("number", [1e-05, 1.5e-05, 9.99e-06, 2.5e-06, 1e-07, 0.0001, 0.00012, 1e16, 5e-324])
def test_small_and_large_floats_are_written_as_json_writes_them(number):
    assert json_bytes({"n": [number, -number]}) == STANDARD({"n": [number, -number]}).encode()


# Strings made of what a differing token is made of, beside numbers that differ.
lookalikes = st.text(alphabet=':,[]{}-.0123456789enul"\\', max_size=12)
tricky = st.recursive(lookalikes | st.floats() | st.none(), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    lookalikes, inner, max_size=4), max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(tricky)
def test_strings_that_look_like_differing_tokens_change_nothing(value):
    assert json_bytes(value) == STANDARD(value).encode()


def test_a_string_holding_what_a_token_may_differ_in_keeps_orjsons_bytes(monkeypatch):
    """A key id holding "e-" (a quarter of UUIDs) was written by ``json``, several times slower."""
    from nimbus.protocol.serializers import json_bytes as module

    def refused(value):
        raise AssertionError("handed to json")

    monkeypatch.setattr(module, "_STANDARD", refused)
    value = {"KeyId": "arn:aws:kms:us-east-1:000000000000:key/62ee454e-9278-4960-a572-00c07cc037b4",
             "Name": "null", "Note": "10.00001 e-mail"}
    assert json_bytes(value) == json.dumps(value, separators=(",", ":")).encode()


@pytest.mark.parametrize("value", [[1e-07], {"a": -1.5e-07}, {"a": [1, None]}, None, 1e-05, {"a": "x", "b": 2e-05}])
def test_a_differing_token_still_goes_to_json(value, monkeypatch):
    from nimbus.protocol.serializers import json_bytes as module
    handed: list = []
    monkeypatch.setattr(module, "_STANDARD", lambda v: handed.append(v) or STANDARD(v))
    assert json_bytes(value) == STANDARD(value).encode()
    assert handed == [value]


def test_what_json_refuses_stays_refused():
    with pytest.raises(TypeError):
        json_bytes({"when": datetime.datetime(2024, 1, 1)})


def test_a_large_ascii_document_is_the_same():
    page = {"Records": [{"Data": "QUJD" * 300, "SequenceNumber": str(10 ** 55 + i), "ApproximateArrivalTimestamp":
                         1700000000.123, "PartitionKey": str(i)} for i in range(1000)], "MillisBehindLatest": 0}
    assert json_bytes(page) == STANDARD(page).encode()
