"""Run the benchmarks and print nimbus against moto with the ratio: ``make bench``.

``python -m benchmarks.run [--seconds N]``; results are also written to benchmarks/results/.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks import bench_firehose, bench_foundation, bench_kinesis, bench_kms, bench_s3

BENCHMARKS = {"foundation": bench_foundation, "kms": bench_kms, "s3": bench_s3, "kinesis": bench_kinesis,
              "firehose": bench_firehose}
LOWER_IS_BETTER = ("startup_s", "idle_rss_mib", "rss_after_mib")


def report(name: str, rows: list[dict]) -> str:
    """nimbus against every other server of the run (moto, and e.g. kinesalite), with its advantage over each."""
    by_server = {row["server"]: row for row in rows}
    if "nimbus" not in by_server:  # a run limited to other servers: their numbers as they are
        return f"## {name}\n\n" + "\n".join(str(row) for row in rows)
    nimbus = by_server["nimbus"]
    ceiling = by_server.get("loopback")  # a raw-socket upper bound, when the benchmark measures one
    others = [server for server in by_server if server not in ("nimbus", "loopback")]
    if others == ["moto"]:
        header = "| metric | nimbus | moto | nimbus advantage |"
    else:
        header = ("| metric | nimbus | " + " | ".join(others) + " | "
                  + " | ".join(f"nimbus advantage vs {o}" for o in others) + " |")
    extra = " loopback ceiling |" if ceiling else ""
    lines = [f"## {name}", "", header + extra, "|---" * (2 + 2 * len(others) + (1 if ceiling else 0)) + "|"]
    for metric in nimbus:
        if metric == "server":
            continue
        a = nimbus[metric]
        values = [by_server[o][metric] for o in others]
        advantages = [(b / a) if metric in LOWER_IS_BETTER else (a / b) for b in values]
        bound = f" {ceiling[metric]:.3f} |" if ceiling else ""
        lines.append(f"| {metric} | {a:.3f} | " + " | ".join(f"{b:.3f}" for b in values) + " | "
                     + " | ".join(f"{x:.2f}x" for x in advantages) + " |" + bound)
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
