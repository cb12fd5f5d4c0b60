"""Run the benchmarks and print nimbus against moto with the ratio: ``make bench``.

``python -m benchmarks.run [--seconds N]``; results are also written to benchmarks/results/.
"""
from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import time
from pathlib import Path

# Every benchmarks/bench_<name>.py with a run(seconds) function, found rather than listed.
BENCHMARKS = {
    module.name.removeprefix("bench_"): importlib.import_module(f"benchmarks.{module.name}")
    for module in pkgutil.iter_modules([str(Path(__file__).resolve().parent)])
    if module.name.startswith("bench_")
}
LOWER_IS_BETTER = ("startup_s", "replication_lag_4KiB_median_s", "replication_lag_8MiB_median_s", "idle_rss_mib", "rss_after_mib", "call_to_s3_median_s", "lookup_nothing_ms",
                   "miss_added_ms", "cpu_us_per_cached_get",
                   "lookup_page_of_50_ms", "insights_stats_by_level_s", "insights_filter_sort_limit_s",
                   "sqs_send_to_long_poll_median_ms")


def _number(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def report(name: str, rows: list[dict]) -> str:
    """nimbus against every other server of the run (moto, and e.g. kinesalite), with its advantage over each."""
    by_server = {row["server"]: row for row in rows}
    if "nimbus" not in by_server:  # a run limited to other servers: their numbers as they are
        return f"## {name}\n\n" + "\n".join(str(row) for row in rows)
    nimbus = by_server["nimbus"]
    others = [server for server in by_server if server != "nimbus"]
    if others == ["moto"]:
        header = "| metric | nimbus | moto | nimbus advantage |"
    else:
        header = ("| metric | nimbus | " + " | ".join(others) + " | "
                  + " | ".join(f"nimbus advantage vs {o}" for o in others) + " |")
    lines = [f"## {name}", "", header, "|---" * (2 + 2 * len(others)) + "|"]
    for metric in nimbus:
        if metric == "server":
            continue
        a = nimbus[metric]
        # A server may lack a metric (the "client alone" row of bench_s3_large has no server CPU): a dash.
        values = [by_server[o].get(metric) for o in others]
        lower = metric in LOWER_IS_BETTER or "_cpu_" in metric or "rss" in metric or metric.endswith("_latency_us")
        advantages = [None if b is None or a is None else (b / a) if lower else (a / b) for b in values]
        lines.append(f"| {metric} | {_number(a)} | " + " | ".join(_number(b) for b in values) + " | "
                     + " | ".join("–" if x is None else f"{x:.2f}x" for x in advantages) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per metric")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS))
    args = parser.parse_args()
    results = {}
    for name in args.names:
        rows = BENCHMARKS[name].run(args.seconds)
        results[name] = rows
        print(report(name, rows), flush=True)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
