"""Where the primary's serial share of a call a front worker answered goes: ``nimbus serve --workers 2``, one
operation sent only on the worker's connections (serial_share.py), and ``py-spy record --gil`` on the primary.

``python -m benchmarks.profile_serial_share [operation] [seconds] [out.txt]``: py-spy's raw (collapsed) stacks in
``out.txt``, and on standard output the share of GIL samples under the functions that matter here.
"""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from benchmarks.bench_request_path import _requests
from benchmarks.serial_share import _drive, worker_pair

# Frames whose share is printed: (label, what a frame's text contains).
WATCHED = (("bus hand-over (events._deliver_queued)", "_deliver_queued (nimbus/core/events.py"),
           ("Engine.on_call", "on_call (nimbus/services/cloudtrail/engine.py"),
           ("templated_record", "templated_record (nimbus/services/cloudtrail/record_template.py"),
           ("HistoryWriter.add", "add (nimbus/services/cloudtrail/history.py"),
           ("HistoryWriter flush", "flush_locked (nimbus/services/cloudtrail/history.py"),
           ("IAM KeyUsageRecorder", "on_call (nimbus/services/iam/key_usage.py"),
           ("KMS KeyLastUsage", "nimbus/services/kms/last_usage.py"),
           ("from-workers (FromWorkers._events)", "_events (nimbus/workers/primary.py"),
           ("read_batch", "read_batch (nimbus/workers/shipping.py"),
           ("bus publish", "publish (nimbus/core/events.py"))


def profile(operation: str, seconds: float, out: Path) -> None:
    with worker_pair() as (target, primary, worker, held):
        request = _requests(target)[operation]
        _drive(held[worker], request, 1.0)  # warm: first-call imports stay out of the profile
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--gil", "--nonblocking", "--rate", "500",
                                "--format", "raw", "--output", str(out), "--pid", str(primary),
                                "--duration", str(int(seconds))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        driving = threading.Thread(target=_drive, args=(held[worker], request, seconds + 1))
        driving.start()
        spy.wait(timeout=120)
        driving.join()


def shares(raw: Path) -> tuple[int, Counter]:
    total, under = 0, Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for label, frame in WATCHED:
            if frame in stack:
                under[label] += int(count)
    return total, under


def main() -> None:
    operation = sys.argv[1] if len(sys.argv) > 1 else "Encrypt_64B"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    out = Path(sys.argv[3] if len(sys.argv) > 3 else f"{operation}_primary.txt")
    profile(operation, seconds, out)
    total, under = shares(out)
    print(f"{total} GIL samples of the primary while the worker answered {operation}")
    for label, _ in WATCHED:
        print(f"{label}: {100 * under[label] / max(total, 1):.1f}%")


if __name__ == "__main__":
    main()
