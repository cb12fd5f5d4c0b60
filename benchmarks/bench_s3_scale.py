"""S3 with a million objects: a bucket of 1,000 objects against one of 1,000,000 (``S3_SCALE_OBJECTS``), one boto3
client. Goal (issue 19): rates with a million stored objects within 10% of a fresh server's.

Metrics (calls/s): PutObject of 4 KiB under new keys, GetObject and HeadObject of one 4 KiB object, and
ListObjectsV2's first page (1,000 keys) of the whole bucket and of a prefix in the middle of it. Both buckets
are filled by benchmarks/s3_object_loader.py (copies of one seed object's documents), so the only difference
is how many objects the store holds. Both servers run at once and each metric alternates between them
(benchmarks/scale_rounds.py: medians of rounds in flipped order, with the server's CPU per call beside each
rate), so other load on the machine falls on both alike.
"""
from __future__ import annotations

import itertools
import os
import sys
import tempfile

from benchmarks.harness import running
from benchmarks.s3_object_loader import SEED, clone, loaded_key
from benchmarks.scale_rounds import compared

BUCKET = "scale"
FRESH = 1000
FULL = int(os.environ.get("S3_SCALE_OBJECTS", "1000000"))
BODY = b"s" * 4096


def _prepare(data_dir: str, count: int) -> None:
    with running("nimbus", data_dir) as target:
        s3 = target.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=SEED, Body=BODY)
    seconds = clone(data_dir, BUCKET, count)
    print(f"s3 scale: {count} objects written in {seconds:.0f} s", file=sys.stderr)


def _calls(s3, count: int) -> dict:
    """The measured calls against a bucket of ``count`` objects, by metric."""
    numbers = itertools.count()
    middle = loaded_key(count // 2)[:-3]  # a prefix of 1,000 keys in the middle of the bucket
    return {
        "PutObject_4KiB_per_s": lambda: s3.put_object(Bucket=BUCKET, Key=f"new/{next(numbers)}", Body=BODY),
        "GetObject_4KiB_per_s": lambda: s3.get_object(Bucket=BUCKET, Key=SEED)["Body"].read(),
        "HeadObject_per_s": lambda: s3.head_object(Bucket=BUCKET, Key=loaded_key(count // 2)),
        "ListObjectsV2_first_page_per_s": lambda: s3.list_objects_v2(Bucket=BUCKET),
        "ListObjectsV2_prefix_page_per_s": lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix=middle),
    }


def run(seconds: float) -> list[dict]:
    with tempfile.TemporaryDirectory() as fresh_dir, tempfile.TemporaryDirectory() as full_dir:
        _prepare(fresh_dir, FRESH)
        _prepare(full_dir, FULL)
        with running("nimbus", fresh_dir) as fresh, running("nimbus", full_dir) as full:
            return compared({"nimbus": (fresh.pid, _calls(fresh.client("s3"), FRESH)),
                             f"nimbus_{FULL}_objects": (full.pid, _calls(full.client("s3"), FULL))}, seconds)
