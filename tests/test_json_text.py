"""core/json_text.py reads JSON as json.loads does, with one decoder made once, and refuses what AWS refuses."""
from __future__ import annotations

import json

import pytest

from nimbus.core.json_text import MAX_DEPTH, read_json

DOCUMENTS = ['{"a": [1, 2.5, "x", null, true]}', '"text"', "[]", '{"k": "\\u00e9\\ud83d\\ude00"}', " 7 "]


@pytest.mark.parametrize("text", DOCUMENTS)
@pytest.mark.parametrize("encoding", [None, "utf-8", "utf-16", "utf-32-le"])
def test_what_json_loads_reads_is_read_the_same(text, encoding):
    given = text if encoding is None else text.encode(encoding)
    assert read_json(given) == json.loads(given)
    assert read_json(bytearray(text.encode())) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a": NaN}', "[Infinity]", "-Infinity", "[1e999]", "\ufeff{}", '{"a": 1',
                                  "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)])
def test_what_aws_refuses_is_a_value_error(text):
    with pytest.raises(ValueError):
        read_json(text)


def test_only_text_is_read():
    with pytest.raises(TypeError):
        read_json(7)  # type: ignore[arg-type]
