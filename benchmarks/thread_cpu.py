"""CPU time of a process's threads by name (the OS knows them all as python: the caller names them), to tell the
request threads' share from background workers' (the event bus, CloudTrail's delivery)."""
from __future__ import annotations

import os
from collections import Counter

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_thread(pid: int, names: dict[str, str]) -> Counter:
    """User + system seconds so far of each named group of ``pid``'s threads (others: "other")."""
    found: Counter = Counter()
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended meanwhile
            continue
        found[names.get(tid, "other")] += (int(fields[11]) + int(fields[12])) / _TICK
    return found
