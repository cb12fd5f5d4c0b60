"""Server capacity driven by wrk: the same pre-signed requests as ``load.py``, from a load generator that leaves the
cores to the server.

``load.py``'s Python clients (16 threads in 2 processes) took most of this 2-core machine themselves once one nimbus
process answered 5,000 small calls/s, so a second server process had no core to run on. wrk (C, epoll) sends the
same bytes for a fraction of the CPU. A Lua script gives it the request's method, path, headers and body; SigV4
signatures stay valid for 15 minutes, so one signed request is replayed as is. Every answer must be a 200: the
request is sent once first and its status checked, and wrk's count of non-2xx/3xx answers and socket errors must
be zero, else the measurement fails rather than counts.

Besides calls/s and the server's CPU per call (every process of it), each measurement reports wrk's own CPU, as a
share of the machine's cores, so the reader sees what was left to the server. ``WRK_CPUS`` (e.g. ``1``) pins wrk to
those cores with taskset; ``WRK_THREADS`` and ``WRK_CONNECTIONS`` set its threads (default 1) and connections
(default 16, as ``load.py``).
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from benchmarks.load import RawRequest, capacity, live_children

THREADS = int(os.environ.get("WRK_THREADS", "1"))
CONNECTIONS = int(os.environ.get("WRK_CONNECTIONS", "16"))
PINNED_CPUS = os.environ.get("WRK_CPUS", "")
_CLIENT_HEADERS = {"host", "content-length"}  # wrk writes these itself


@dataclass(frozen=True)
class Measured:
    per_s: float
    cpu_ms_per_call: float
    client_cpu_share: float | None  # wrk's CPU over the run, as a share of all the machine's cores (None: Python load)
    per_process_cpu_ms: tuple[float, ...] = ()  # the server's CPU per call, process by process (the primary first)


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(value: str | bytes) -> str:
    data = value.encode("latin-1") if isinstance(value, str) else value
    return '"' + "".join(f"\\{byte:03d}" for byte in data) + '"'


def script(request: RawRequest) -> str:
    """A wrk script sending ``request`` on every connection."""
    lines = [f"wrk.method = {_lua_string(request.method)}", f"wrk.path = {_lua_string(request.path)}",
             f"wrk.body = {_lua_string(request.body)}" if request.body else "wrk.body = nil"]
    lines += [f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}" for name, value in request.headers.items()
              if name.lower() not in _CLIENT_HEADERS]
    return "\n".join(lines) + "\n"


def _answered_once(endpoint: str, request: RawRequest) -> None:
    url = urlparse(endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"{request.method} {request.path} answered {response.status}: {body[:300]!r}")


def server_pids(pid: int) -> list[int]:
    """The server process and its live children (nimbus's front workers), the primary first."""
    return [pid, *sorted(live_children(pid))]


def own_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(endpoint: str, path: str, seconds: float) -> tuple[str, float, float]:
    """wrk's report, its CPU seconds (user + system, all threads) and its wall time."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(round(seconds), 1)}s", "-s", path, endpoint]
    if PINNED_CPUS:
        command = ["taskset", "-c", PINNED_CPUS, *command]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stdout is not None and process.stderr is not None
    output, errors = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {errors or output}")
    return output, usage.ru_utime + usage.ru_stime, elapsed


def measure(endpoint: str, pid: int, request: RawRequest, seconds: float) -> Measured:
    """Calls/s answered to wrk's connections, the server's CPU per call (all its processes), and wrk's CPU share;
    with ``load.py``'s Python clients when wrk is missing."""
    _answered_once(endpoint, request)
    if not available():
        measured = capacity(endpoint, pid, request, seconds)
        return Measured(measured.per_s, measured.cpu_ms_per_call, None)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script(request))
        lua.flush()
        pids = server_pids(pid)
        before = [own_cpu(p) for p in pids]
        output, client_cpu, elapsed = _wrk(endpoint, lua.name, seconds)
        if server_pids(pid) != pids:  # a worker died (and was started again): its CPU would be lost
            raise RuntimeError(f"the server's processes changed during the run: {pids} -> {server_pids(pid)}")
        per_process = [own_cpu(p) - b for p, b in zip(pids, before, strict=True)]
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if failures or socket_errors:
        raise RuntimeError(f"{request.method} {request.path}: answers that were not 200 under load:\n{output}")
    done = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    per_s = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return Measured(per_s, 1000 * sum(per_process) / max(done, 1), client_cpu / (elapsed * (os.cpu_count() or 1)),
                    tuple(1000 * cpu / max(done, 1) for cpu in per_process))
