"""ValidateTemplate's checks beyond nimbus's own (template.py, prepare.py): cfn-lint, used as a library, with
the resource schemas it ships. Its first error (``E`` rules; warnings and informational rules are not
AWS's concern) becomes AWS's answer: ``ValidationError`` "Template format error: ...", naming where.

cfn-lint runs in-process on the template text alone: it reads no file but its own data and calls nothing.
Its cost grows faster than the template (seconds for hundreds of resources), so one lint runs at a time,
in a thread of its own, and a template it cannot finish within ``LINT_SECONDS`` (or while another still
runs past that) is answered on nimbus's own checks alone: a caller cannot tie up more than one core."""
from __future__ import annotations

import threading
from typing import Any

from .template import validation_error

LINT_SECONDS = 20.0
_LOCK = threading.Lock()  # one lint at a time: cfn-lint keeps module-level caches, and a slow one holds a core


def _errors(body: str, region: str) -> list[Any] | None:
    """cfn-lint's errors, first first; None when it did not finish in time."""
    # Imported by ValidateTemplate alone (cfn-lint and its sympy take seconds), and before the clock starts.
    from cfnlint.api import ManualArgs, lint

    if not _LOCK.acquire(timeout=LINT_SECONDS):
        return None
    found: list[Any] = []

    def run() -> None:
        try:
            found.extend(m for m in lint(body, config=ManualArgs(regions=[region])) if m.rule.id.startswith("E"))
        finally:
            _LOCK.release()
            finished.set()
    finished = threading.Event()
    threading.Thread(target=run, name="nimbus-cloudformation-lint", daemon=True).start()
    if not finished.wait(LINT_SECONDS):
        return None
    return sorted(found, key=lambda m: (m.linenumber, m.columnnumber))


def check_with_cfn_lint(body: str, region: str) -> None:
    errors = _errors(body, region)
    if errors:
        first = errors[0]
        pointer = "/" + "/".join(str(p) for p in first.path) if first.path else ""
        where = f"[{pointer}] " if pointer else ""
        raise validation_error(f"Template format error: {where}{first.message} (line {first.linenumber}, column "
                               f"{first.columnnumber}; cfn-lint {first.rule.id})")
