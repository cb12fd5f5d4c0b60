"""Two servers compared metric by metric, for the scale benchmarks (a fresh store against a full one).

Best-of-three rates of one second each swung by 20 to 45% between identical code paths on a loaded machine
(docs/performance.md, "A million stored objects and records"), enough to show a regression that was not there.
Here every metric runs ``ROUNDS`` times on each server, the order flipped every round (so neither server always
follows the other's disk writes), and the medians are kept: the rate, and the server's CPU per call (user +
system of every thread), which other load on the machine barely moves.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from benchmarks.load import cpu_seconds

ROUNDS = 6
ROUND_SECONDS = 1.0  # at least, whatever --seconds says: shorter rounds measure the machine's load


def _measured(pid: int, call: Callable[[], object], seconds: float) -> tuple[float, float]:
    """(calls/s, server CPU ms per call) of ``call`` made back to back for about ``seconds``."""
    for _ in range(3):
        call()
    count, cpu, began = 0, cpu_seconds(pid), time.perf_counter()
    while time.perf_counter() - began < seconds:
        call()
        count += 1
    elapsed, used = time.perf_counter() - began, cpu_seconds(pid) - cpu
    return count / elapsed, 1000 * used / count


def compared(servers: dict[str, tuple[int, dict[str, Callable[[], object]]]], seconds: float) -> list[dict]:
    """Rows of medians, one per server of ``servers`` (name -> (server pid, metric -> call)): each ``<x>_per_s``
    metric, and ``<x>_cpu_ms_per_call`` beside it."""
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {name: {} for name in servers}
    names = list(servers)
    for metric in next(iter(servers.values()))[1]:
        for round_number in range(ROUNDS):
            for name in names if round_number % 2 == 0 else reversed(names):
                pid, calls = servers[name]
                samples[name].setdefault(metric, []).append(
                    _measured(pid, calls[metric], max(ROUND_SECONDS, seconds / ROUNDS)))
    rows = []
    for name, by_metric in samples.items():
        row: dict = {"server": name}
        for metric, measured in by_metric.items():
            row[metric] = statistics.median(rate for rate, _ in measured)
            row[metric.removesuffix("_per_s") + "_cpu_ms_per_call"] = statistics.median(cpu for _, cpu in measured)
        rows.append(row)
    return rows
