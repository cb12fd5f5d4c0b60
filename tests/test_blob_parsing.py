"""Blob members (base64 in JSON bodies): the one-pass strict decoder must accept exactly what the checked
decoder accepts (the alphabet with padding at the end, whitespace ignored), with the same bytes, and refuse
the rest the same way."""
from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nimbus.protocol.parsers.common import BadValue, parse_blob


def _checked(text: str):
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return BadValue


def _parsed(text: str):
    try:
        return parse_blob(text)
    except BadValue:
        return BadValue


@given(st.text(alphabet="AQZaz09+/=-_ \n\té", max_size=12))
def test_any_text_decodes_as_the_checked_decoder_does(text):
    assert _parsed(text) == _checked(text)


@given(st.binary(max_size=64))
def test_encoded_bytes_come_back(data):
    assert parse_blob(base64.b64encode(data).decode()) == data


@pytest.mark.parametrize("text", ["=", "A", "AA=A", "=AAA", "AB==CD==", "Zm9v-", "é"])
def test_malformed_base64_is_refused(text):
    assert _parsed(text) is BadValue is _checked(text)
