"""CPU time of a server's threads by name (py-spy names them; the OS knows them all as python), to tell the
request threads' share from background workers' (the event bus, CloudTrail's delivery)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
_THREAD = re.compile(r'Thread (\d+) \(\w+\): "([^"]+)"')
# Pool threads are numbered (nimbus-req_3): counted as one.
_NUMBERED = re.compile(r"_\d+$")


def thread_names(pid: int) -> dict[str, str]:
    """Native thread id -> Python thread name, from one ``py-spy dump``."""
    dump = subprocess.run([str(Path(sys.executable).with_name("py-spy")), "dump", "--pid", str(pid)],
                          capture_output=True, text=True, timeout=60).stdout
    return {tid: _NUMBERED.sub("", name) for tid, name in _THREAD.findall(dump)}


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
