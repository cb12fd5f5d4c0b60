"""Regular expressions a caller writes (CloudWatch Logs %regex% filters, SSM AllowedPattern) run on RE2.

RE2's time is linear in the text, so a pattern such as ``(a+)+b`` cannot make a search backtrack for
minutes; it refuses what it cannot run in linear time (backreferences, lookaround), and so does AWS.
"""
from __future__ import annotations

import re2

error = re2.error

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a caller's bad pattern is their 400, not a line in nimbus's log


def compile_linear(pattern: str):
    """The compiled pattern; ``error`` when RE2 cannot run it."""
    return re2.compile(pattern, _OPTIONS)
