"""Run the benchmarks and print nimbus against moto with the ratio: ``make bench``.

``python -m benchmarks.run [--seconds N]``; results are also written to benchmarks/results/.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks import bench_cloudtrail, bench_foundation, bench_kms, bench_s3, bench_sns_logs

BENCHMARKS = {"foundation": bench_foundation, "kms": bench_kms, "s3": bench_s3, "sns_logs": bench_sns_logs,
              "cloudtrail": bench_cloudtrail}
LOWER_IS_BETTER = ("startup_s", "idle_rss_mib", "call_to_s3_median_s")


def report(name: str, rows: list[dict]) -> str:
    by_server = {row["server"]: row for row in rows}
    nimbus, moto = by_server["nimbus"], by_server["moto"]
    ceiling = by_server.get("loopback")  # a raw-socket upper bound, when the benchmark measures one
    extra = " loopback ceiling |" if ceiling else ""
    lines = [f"## {name}", "", f"| metric | nimbus | moto | nimbus advantage |{extra}",
             "|---|---|---|---|" + ("---|" if ceiling else "")]
    for metric in nimbus:
        if metric == "server":
            continue
        a, b = nimbus[metric], moto[metric]
        advantage = (b / a) if metric in LOWER_IS_BETTER else (a / b)
        bound = f" {ceiling[metric]:.3f} |" if ceiling else ""
        lines.append(f"| {metric} | {a:.3f} | {b:.3f} | {advantage:.2f}x |{bound}")
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
