"""What a run left behind when nimbus stopped or was killed under it: its Flink processes (a run's own
session, so they outlive a kill -9 of nimbus) and its last completed checkpoint, from which the
application runs again, as AWS restarts a failed application from its latest checkpoint."""
from __future__ import annotations

import os
import signal
from pathlib import Path


def kill_leftovers(workdir: Path) -> None:
    """End the processes of a run of a previous nimbus (their command line names the run's directory)."""
    marker = str(workdir).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def latest_checkpoint(workdir: Path) -> str | None:
    """The newest completed checkpoint of the run (``checkpoints/<job>/chk-<n>/_metadata``), as a restore path."""
    completed = [(int(chk.name.removeprefix("chk-")), chk) for chk in (workdir / "checkpoints").glob("*/chk-*")
                 if chk.name.removeprefix("chk-").isdigit() and (chk / "_metadata").exists()]
    return f"file://{max(completed)[1]}" if completed else None
