"""Where recording's cost falls, thread by thread: ``python -m benchmarks.recording_threads [rounds]``.

Measured as ``bench_recording`` measures it (KMS Encrypt from concurrent raw clients, a logging trail, a steady
state of whole delivery intervals), against the server with recording off, alternated; reported per call and per
thread: user and system CPU in µs, from ``/proc/<pid>/task/*/stat`` (``thread_cpu``). Threads are named from
``py-spy dump`` (the OS knows them all as python). The event loop that answers calls also hands over their records,
so its figure holds both; CloudTrail's thread delivers log files, SQLite's checkpoints copy the WAL into the
database.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.bench_cloudtrail import _trail
from benchmarks.bench_recording import MEASURE_SECONDS, WARM_SECONDS, _recorded_so_far
from benchmarks.bench_request_path import _requests
from benchmarks.harness import running
from benchmarks.load import capacity
from benchmarks.thread_cpu import TICK, thread_ticks


def _names(pid: int) -> dict[str, str]:
    dump = subprocess.run([str(Path(sys.executable).with_name("py-spy")), "dump", "--pid", str(pid)],
                          capture_output=True, text=True).stdout
    return {line.split()[1]: line.split('"')[1] for line in dump.splitlines()
            if line.startswith("Thread ") and '"' in line}


def measure(name: str) -> dict:
    with running(name) as target:
        _trail(target)
        iam = target.client("iam")
        request = _requests(target)["Encrypt_64B"]
        capacity(target.endpoint, target.pid, request, WARM_SECONDS)
        _recorded_so_far(iam)
        before = thread_ticks(target.pid)
        measured = capacity(target.endpoint, target.pid, request, MEASURE_SECONDS)
        _recorded_so_far(iam)
        after = thread_ticks(target.pid)
        names = _names(target.pid)
    calls = measured.per_s * MEASURE_SECONDS
    user: defaultdict[str, float] = defaultdict(float)
    system: defaultdict[str, float] = defaultdict(float)
    for tid, (u, s) in after.items():
        was = before.get(tid, (0, 0))
        thread = names.get(tid, "other")
        user[thread] += (u - was[0]) / TICK / calls * 1e6
        system[thread] += (s - was[1]) / TICK / calls * 1e6
    threads = {thread: {"user_us": round(user[thread], 1), "system_us": round(system[thread], 1)}
               for thread in sorted(user, key=lambda t: -(user[t] + system[t])) if user[thread] + system[thread] >= 0.3}
    return {"server": name, "calls": round(calls), "cpu_us_per_call": round(sum(user.values()) + sum(system.values()), 1),
            "threads": threads}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    for _ in range(rounds):
        for name in ("nimbus", "nimbus-unrecorded"):
            print(json.dumps(measure(name)), flush=True)


if __name__ == "__main__":
    main()
