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


def test_what_json_refuses_stays_refused():
    with pytest.raises(TypeError):
        json_bytes({"when": datetime.datetime(2024, 1, 1)})


def test_a_large_ascii_document_is_the_same():
    page = {"Records": [{"Data": "QUJD" * 300, "SequenceNumber": str(10 ** 55 + i), "ApproximateArrivalTimestamp":
                         1700000000.123, "PartitionKey": str(i)} for i in range(1000)], "MillisBehindLatest": 0}
    assert json_bytes(page) == STANDARD(page).encode()
