"""ValidateTemplate's checks beyond nimbus's own (template.py, prepare.py): cfn-lint, used as a library, with
the resource schemas it ships. Its first error (``E`` rules; warnings and informational rules are not
AWS's concern) becomes AWS's answer: ``ValidationError`` "Template format error: ...", naming where.

cfn-lint runs in-process on the template text alone: it reads no file but its own data, calls nothing."""
from __future__ import annotations

import threading

from cfnlint.api import ManualArgs, lint

from .template import validation_error

_LOCK = threading.Lock()  # cfn-lint keeps module-level caches: one template at a time


def check_with_cfn_lint(body: str, region: str) -> None:
    with _LOCK:
        matches = lint(body, config=ManualArgs(regions=[region]))
    errors = sorted((m for m in matches if m.rule.id.startswith("E")), key=lambda m: (m.linenumber, m.columnnumber))
    if errors:
        first = errors[0]
        pointer = "/" + "/".join(str(p) for p in first.path) if first.path else ""
        where = f"[{pointer}] " if pointer else ""
        raise validation_error(f"Template format error: {where}{first.message} (line {first.linenumber}, column "
                               f"{first.columnnumber}; cfn-lint {first.rule.id})")
