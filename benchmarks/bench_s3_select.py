"""S3 Select over a 100 MB CSV object: nimbus's SelectObjectContent (decrypting, parsing into Arrow, DuckDB,
the event stream) in MB/s, against DuckDB reading the same file directly from disk.

nimbus only: moto's S3 Select is a toy that reads Python rows. The direct DuckDB figure is the ceiling:
what the engine itself does with the file on one machine.
"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time

import duckdb

from benchmarks.harness import running

TARGET_BYTES = 100 * 1024 * 1024
SAMPLES = 3
QUERY = "SELECT s._1, s._4 FROM S3Object s WHERE CAST(s._4 AS INT) > 990"
DIRECT = ("SELECT column0, column3 FROM read_csv('{path}', header=false, all_varchar=true) "
          "WHERE CAST(column3 AS INT) > 990")


def write_csv(path: str) -> int:
    rng = random.Random(17)
    cities = ("lisbon", "oslo", "lima", "osaka", "perth")
    with open(path, "w") as handle:
        row = 0
        while handle.tell() < TARGET_BYTES:
            lines = [f"{row + i},name-{rng.randrange(10**6)},{cities[(row + i) % 5]},{rng.randrange(1000)}\n"
                     for i in range(10_000)]
            handle.write("".join(lines))
            row += 10_000
    return os.path.getsize(path)


def nimbus_mb_s(s3, bucket: str, size: int) -> float:
    samples = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        response = s3.select_object_content(Bucket=bucket, Key="big.csv", Expression=QUERY, ExpressionType="SQL",
                                            InputSerialization={"CSV": {"FileHeaderInfo": "NONE"}},
                                            OutputSerialization={"CSV": {}})
        for _event in response["Payload"]:
            pass
        samples.append(time.perf_counter() - began)
    return size / (1024 * 1024) / statistics.median(samples)


def duckdb_mb_s(path: str, size: int) -> float:
    samples = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        duckdb.sql(DIRECT.format(path=path)).fetchall()
        samples.append(time.perf_counter() - began)
    return size / (1024 * 1024) / statistics.median(samples)


def run(seconds: float) -> list[dict]:
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "big.csv")
        size = write_csv(path)
        with running("nimbus") as target:
            s3 = target.client("s3")
            s3.create_bucket(Bucket="select-bench")
            s3.upload_file(path, "select-bench", "big.csv")
            nimbus = nimbus_mb_s(s3, "select-bench", size)
        direct = duckdb_mb_s(path, size)
    return [{"server": "nimbus", "select_csv_100mb_mb_s": nimbus, "duckdb_direct_same_csv_mb_s": direct}]
