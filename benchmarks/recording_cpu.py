"""What recording a call costs with a logging trail, in-process: ``python -m benchmarks.recording_cpu [calls]``.

KMS Encrypt calls (bench_request_path's request, signed once) go through the request handler in a loop on a
server with a logging trail delivering every second; reported: the CPU per call of the event bus's worker (which
builds each record and writes event history) and of CloudTrail's scheduler thread (batch flushes, log files) over
the loop. The handler runs on a thread without an event loop, so its records go through the bus's worker (a server's
event loop hands over its own). No web server and no other load share these threads, so the numbers move only with
nimbus's code: run it from two checkouts, alternating, to compare them (bench_recording measures recording's share
of the whole server's CPU under concurrent clients).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from urllib.parse import urlsplit

from benchmarks.bench_cloudtrail import _trail
from benchmarks.bench_request_path import _requests
from benchmarks.handler_cpu import _http, _Target
from benchmarks.thread_cpu import cpu_by_thread
from nimbus.config import Config
from nimbus.gateway.handler import RequestHandler
from nimbus.server import ServerThread

DELIVERY_SECONDS = 1.0  # several deliveries during the loop (AWS's 5 minutes, nimbus's 5 s by default)
RECORDING = ("nimbus-events", "nimbus-cloudtrail")


def _recording_cpu() -> float:
    """User + system seconds so far of this process's recording threads."""
    found = cpu_by_thread(os.getpid(), {str(thread.native_id): thread.name for thread in threading.enumerate()})
    return sum(found[name] for name in RECORDING)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with tempfile.TemporaryDirectory() as data, ServerThread(
            Config(port=0, data_dir=data, cloudtrail_delivery_seconds=DELIVERY_SECONDS)) as server:
        target = _Target(server.endpoint)
        _trail(target)
        request = _requests(target)["Encrypt_64B"]  # type: ignore[arg-type]
        handler = RequestHandler(server.runtime)
        host = urlsplit(server.endpoint).netloc
        for _ in range(300):  # warm: first-call imports and caches stay out of the measure
            handler.handle(_http(request, host))
        batch = [_http(request, host) for _ in range(calls)]
        server.runtime.events.flush()
        before = _recording_cpu()
        for one in batch:
            handler.handle(one)
        server.runtime.events.flush()
        recorded = _recording_cpu() - before
        print(json.dumps({"calls": calls, "recording_threads_us_per_call": round(recorded / calls * 1e6, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
