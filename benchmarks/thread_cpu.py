"""CPU time of a process's threads by name (the OS knows them all as python: the caller names them), to tell the
request threads' share from background workers' (the event bus, CloudTrail's delivery)."""
from __future__ import annotations

import os
from collections import defaultdict

TICK = os.sysconf("SC_CLK_TCK")


def thread_ticks(pid: int) -> dict[str, tuple[int, int]]:
    """(user, system) clock ticks so far of each of ``pid``'s threads, by thread id (``TICK`` a second)."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended meanwhile
            continue
        found[tid] = (int(fields[11]), int(fields[12]))
    return found


def cpu_by_thread(pid: int, names: dict[str, str]) -> defaultdict[str, float]:
    """User + system seconds so far of each named group of ``pid``'s threads (others: "other")."""
    found: defaultdict[str, float] = defaultdict(float)
    for tid, (user, system) in thread_ticks(pid).items():
        found[names.get(tid, "other")] += (user + system) / TICK
    return found
