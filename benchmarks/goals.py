"""Issue 19's goals, each measured and judged in one run: ``python -m benchmarks.goals`` (``make bench-goals``).

Runs the benchmarks the goals rest on (every one of them side by side with moto, and with kinesalite and the
trivial server where they take part; LocalStack does not run here), prints each benchmark's own table, then one
table of the goals: what was measured, the goal, and whether it is met. The results are written to
benchmarks/results/ as ``make bench`` writes them. ``GOALS_SECONDS`` sets the measuring time per metric (default 3).

"Before" values are the tree before issue 19, measured by the same benchmarks (docs/performance.md).
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.run import BENCHMARKS, report

# The tree before issue 19 on a quiet machine (docs/performance.md, "The sessions' end"): GetRecords of 1,000 records
# answered per second by 16 raw clients, the better of two runs alternated with main; and its server CPU per call.
GETRECORDS_BEFORE_PER_S = 86.3
GETRECORDS_BEFORE_CPU_MS = 12.32
SMALL_CALLS = ("GetCallerIdentity", "Encrypt_64B", "GetObject_4KiB")
NEEDED = ("request_path", "workers", "kinesis", "s3_large", "recording", "foundation", "s3_scale", "kinesis_scale")

Results = dict[str, list[dict]]
Verdict = tuple[str, str, bool]  # (measured, goal, met)


def _row(results: Results, benchmark: str, server: str) -> dict:
    return next(row for row in results[benchmark] if row["server"] == server)


def small_calls(results: Results) -> Verdict:
    nimbus = _row(results, "request_path", "nimbus")
    per_core = {op: 1000 / nimbus[f"{op}_cpu_ms_per_call"] for op in SMALL_CALLS}
    measured = ", ".join(f"{op} {rate:,.0f}/s ({nimbus[f'{op}_cpu_ms_per_call']:.3f} ms)" for op, rate in
                         per_core.items())
    return measured, "≥ 3,000 calls/s per core (≤ 0.333 ms of CPU per call)", min(per_core.values()) >= 3000


def workers(results: Results) -> Verdict:
    more, one = _row(results, "workers", "nimbus"), _row(results, "workers", "nimbus-1-worker")
    ratios = {op: more[f"{op}_per_s"] / one[f"{op}_per_s"] for op in SMALL_CALLS}
    measured = ", ".join(f"{op} {ratio:.2f}x" for op, ratio in ratios.items())
    shares = [more.get(f"{op}_client_cpu_share") for op in SMALL_CALLS]
    if None not in shares:  # wrk drove it (bench_workers.py): what the load generator left to the server
        measured += f"; wrk used {min(shares):.0%} to {max(shares):.0%} of the cores"  # type: ignore[type-var]
        ceilings = {op: ceiling(more, one, op) for op in SMALL_CALLS}
        measured += "; this machine's ceiling " + ", ".join(
            f"{op} {ceilings[op]:.2f}x ({ratios[op] / ceilings[op]:.0%} of it)" for op in SMALL_CALLS)
    # The load generator takes its share of the same cores, so "close to linear" is judged at 1.5x of 2.
    return measured, "2 processes close to 2x of 1 (≥ 1.5x here)", min(ratios.values()) >= 1.5


def ceiling(more: dict, one: dict, operation: str) -> float:
    """What 2 processes could give at most here, their CPU per call no higher than one process's: one process
    already keeps more than one core busy (what runs outside the GIL: the kernel's socket work, SQLite, AES, the bus
    thread), and wrk takes its share of the same cores."""
    cores = os.cpu_count() or 1
    one_uses = one[f"{operation}_per_s"] * one[f"{operation}_cpu_ms_per_call"] / 1000
    left = cores * (1 - more[f"{operation}_client_cpu_share"])
    return left / one_uses


def put_record(results: Results) -> Verdict:
    nimbus, kinesalite = _row(results, "kinesis", "nimbus"), _row(results, "kinesis", "kinesalite")
    ratio = nimbus["PutRecord_per_s"] / kinesalite["PutRecord_per_s"]
    return (f"{nimbus['PutRecord_per_s']:,.0f} against kinesalite's {kinesalite['PutRecord_per_s']:,.0f} calls/s "
            f"({ratio:.2f}x)", "≥ 1.5x kinesalite, one boto3 client", ratio >= 1.5)


def ingest(results: Results) -> Verdict:
    raw = _row(results, "request_path", "nimbus")["PutRecords_500x1KiB_per_s"] * 500 * 1024 / 1e6
    one_client = _row(results, "kinesis", "nimbus")["PutRecords_MB_per_s"]
    return (f"{raw:.1f} MB/s with concurrent raw clients, {one_client:.1f} MB/s with one boto3 client",
            "≥ 50 MB/s durable PutRecords ingest", raw >= 50)


def get_records(results: Results) -> Verdict:
    nimbus = _row(results, "request_path", "nimbus")
    rate, cpu = nimbus["GetRecords_1000_per_s"], nimbus["GetRecords_1000_cpu_ms_per_call"]
    return (f"{rate:.0f} calls/s ({rate / GETRECORDS_BEFORE_PER_S:.2f}x the before tree's {GETRECORDS_BEFORE_PER_S}), "
            f"{cpu:.2f} ms of CPU per call ({GETRECORDS_BEFORE_CPU_MS / cpu:.2f}x less)",
            "≥ 2x the before tree's rate", rate >= 2 * GETRECORDS_BEFORE_PER_S)


def large_objects(results: Results) -> Verdict:
    # The table is of one boto3 client, whose own ceiling (the "client alone" row) it names.
    nimbus, alone = _row(results, "s3_large", "nimbus"), _row(results, "s3_large", "client alone")
    put, get = nimbus["boto3_put_MiB_s"], nimbus["boto3_get_MiB_s"]
    measured = (f"boto3 PUT {put:.0f} ({put / alone['boto3_put_MiB_s']:.0%} of boto3's own "
                f"{alone['boto3_put_MiB_s']:.0f}), boto3 GET {get:.0f} ({get / alone['boto3_get_MiB_s']:.0%}); raw PUT "
                f"{nimbus['raw_put_MiB_s']:.0f}, raw GET {nimbus['raw_get_MiB_s']:.0f}, aws-chunked PUT "
                f"{nimbus['chunked_put_MiB_s']:.0f} MiB/s")
    return measured, "64 MiB PutObject and GetObject ≥ 300 MiB/s with boto3", min(put, get) >= 300


def recording(results: Results) -> Verdict:
    """The whole process's share: recording runs on the loop that answered a call as well as on the bus's worker,
    and the request path also loses to it what the GIL changing hands and caches cost."""
    nimbus = _row(results, "recording", "nimbus")
    unrecorded = _row(results, "recording", "nimbus-unrecorded")
    whole = nimbus["recording_share_of_cpu_pct"]
    return (f"whole process {whole:.1f}% ({nimbus['Encrypt_with_trail_cpu_ms_per_call']:.3f} against "
            f"{unrecorded['Encrypt_with_trail_cpu_ms_per_call']:.3f} ms per Encrypt unrecorded)",
            "recording with a trail ≤ 10% of the request path", whole <= 10)


def startup(results: Results) -> Verdict:
    nimbus = _row(results, "foundation", "nimbus")
    return (f"{nimbus['startup_s']:.3f} s to the first answer, {nimbus['idle_rss_mib']:.1f} MiB idle",
            "start-up < 0.5 s, idle RSS < 60 MiB", nimbus["startup_s"] < 0.5 and nimbus["idle_rss_mib"] < 60)


def _scale(results: Results, benchmark: str) -> tuple[str, float]:
    fresh, full = results[benchmark][0], results[benchmark][1]
    ratios = {metric: full[metric] / fresh[metric] for metric in fresh if metric.endswith("_per_s")}
    return ", ".join(f"{metric.removesuffix('_per_s')} {ratio:.2f}" for metric, ratio in ratios.items()), min(
        ratios.values())


def no_regression(results: Results) -> Verdict:
    objects, worst_objects = _scale(results, "s3_scale")
    records, worst_records = _scale(results, "kinesis_scale")
    return (f"a million objects: {objects}; a million records: {records} (rate full / fresh)",
            "within 10% of a fresh server", min(worst_objects, worst_records) >= 0.9)


GOALS: dict[str, Callable[[Results], Verdict]] = {
    "small calls": small_calls, "all cores": workers, "Kinesis PutRecord": put_record, "Kinesis ingest": ingest,
    "Kinesis GetRecords": get_records, "S3 64 MiB": large_objects, "recording": recording, "start-up": startup,
    "a million items": no_regression,
}


def table(results: Results) -> str:
    lines = ["## Goals of issue 19", "", "| goal | measured | wanted | met |", "|---|---|---|---|"]
    for name, judge in GOALS.items():
        measured, wanted, met = judge(results)
        lines.append(f"| {name} | {measured} | {wanted} | {'yes' if met else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    seconds = float(os.environ.get("GOALS_SECONDS", "3"))
    results: Results = {}
    for name in NEEDED:
        results[name] = BENCHMARKS[name].run(seconds)
        print(report(name, results[name]), "", sep="\n", flush=True)
    print(table(results), flush=True)
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"goals-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
