"""Fuzzing the hand-written parsers: filter patterns and filter policies either compile or raise
AWS's error, and compiled ones never fail on any message."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nimbus.protocol.errors import ServiceError
from nimbus.services.logs.filter_pattern import compile_pattern
from nimbus.services.sns import filter_policy

PATTERN_PIECES = st.sampled_from(['{', '}', '[', ']', '(', ')', '$.a', '$.b[0]', '$.c[*]', '=', '!=', '<', '>=',
                                  '&&', '||', '"x"', 'x*', '1', '-2.5', 'IS NULL', 'NOT EXISTS', '...', ',', '?',
                                  '-', '%a+%', 'ERROR', ' ', 'f1', 'f2 = 3*'])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c", "$or", "exists",
                                                                                 "prefix", "numeric", "anything-but"]),
                                                                inner, max_size=3),
    max_leaves=10,
)
messages = st.one_of(st.text(max_size=40), json_values.map(json.dumps))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=30), st.lists(PATTERN_PIECES, max_size=12).map(" ".join)), st.lists(messages, max_size=3))
def test_filter_patterns_never_crash(pattern, samples):
    try:
        matcher = compile_pattern(pattern)
    except ServiceError as error:
        assert error.code == "InvalidParameterException"
        return
    for message in samples:
        assert matcher(message) in (True, False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, st.sampled_from(["MessageAttributes", "MessageBody"]), st.lists(json_values, max_size=3))
def test_filter_policies_never_crash(policy, scope, samples):
    try:
        parsed = filter_policy.parse(json.dumps(policy), scope)
    except ServiceError as error:
        assert error.code == "InvalidParameter"
        return
    for values in samples:
        assert filter_policy.matches(parsed, values) in (True, False)
