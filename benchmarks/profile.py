"""Flame graphs of nimbus under load: ``python -m benchmarks.profile [--seconds N] [--out DIR] [operation...]``.

nimbus runs under ``py-spy record`` (sampling every thread, GIL holders only, so the graph shows where the
server's CPU goes rather than where its threads wait) while concurrent raw clients send one operation
(benchmarks/bench_request_path.py's requests); one SVG per operation.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_cloudtrail import _trail
from benchmarks.bench_request_path import _requests
from benchmarks.harness import running
from benchmarks.load import capacity

_TITLE = re.compile(r'(<text id="title"[^>]*>)[^<]*(</text>)')
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance"


def profile(operation: str, seconds: float, out: Path, raw: bool = False, trail: bool = False) -> None:
    graph = out / (f"{operation}{'_trail' if trail else ''}.{'txt' if raw else 'svg'}")
    with running("nimbus") as target:
        if trail:
            _trail(target)
        request = _requests(target)[operation]
        capacity(target.endpoint, target.pid, request, 1.0)  # warm: first-call imports stay out of the graph
        # py-spy attaches after start-up, so the graph holds the requests alone.
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--gil", "--nonblocking", "--rate", "500",
                                "--format", "raw" if raw else "flamegraph", "--output", str(graph),
                                "--pid", str(target.pid), "--duration", str(int(seconds))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        measured = capacity(target.endpoint, target.pid, request, seconds)
        spy.wait(timeout=120)
        if not raw:  # the graph's title is py-spy's command line: no machine paths in committed graphs
            graph.write_text(_TITLE.sub(f'\\1{operation}: py-spy record --gil (benchmarks/profile.py)\\2',
                                        graph.read_text()))
        print(f"{operation}: {measured.per_s:.0f}/s, {measured.cpu_ms_per_call:.3f} ms CPU per call -> {graph}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--raw", action="store_true", help="collapsed stacks (text) instead of SVG")
    parser.add_argument("--trail", action="store_true", help="with a logging trail (delivering to S3)")
    parser.add_argument("operations", nargs="*",
                        default=["GetCallerIdentity", "Encrypt_64B", "GetObject_4KiB", "PutRecord_1KiB"])
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for operation in args.operations:
        profile(operation, args.seconds, args.out, args.raw, args.trail)


if __name__ == "__main__":
    main()
