"""requirements.lock is uv.lock exported for pip users (every package pinned, with hashes): it must say what
uv.lock says, so a fresh clone installs the same versions whichever installer it uses."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ["export", "--frozen", "--all-extras", "--format", "requirements-txt", "--no-emit-project"]


def test_the_pip_lock_is_uv_lock_exported():
    exported = subprocess.run([str(ROOT / ".tools" / "bin" / "uv"), *EXPORT], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    pinned = [line for line in exported.splitlines() if not line.startswith("#")]
    written = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if not line.startswith("#")]
    assert written == pinned, "requirements.lock is stale: run `make lock`"
