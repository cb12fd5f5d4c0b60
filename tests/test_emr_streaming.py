"""hadoop-streaming steps as Hadoop runs them: a map task per input file, the combiner on each map task's
sorted output, the map outputs partitioned by key among the reduce tasks (one part file each), and
map-only jobs writing a part file per map task."""
from __future__ import annotations

import pytest

from tests.support import CLUSTER_DONE, emr_roles, emr_step, steps_by_name, unique, wait_cluster

MAPPER = "#!/bin/sh\ntr -s ' ' '\\n' | sed 's/$/\\t1/'\n"
# sums the counts of a word, and says how many lines it got for it: fewer than the words with a combiner
REDUCER = """#!/usr/bin/env python3
import sys
totals = {}
for line in sys.stdin:
    word, count = line.rstrip("\\n").split("\\t")
    total, lines = totals.get(word, (0, 0))
    totals[word] = (total + int(count), lines + 1)
for word, (total, lines) in totals.items():
    print(f"{word}\\t{total}\\t{lines}")
"""
COMBINER = """#!/usr/bin/env python3
import sys
totals = {}
for line in sys.stdin:
    word, count = line.rstrip("\\n").split("\\t")
    totals[word] = totals.get(word, 0) + int(count)
for word, total in totals.items():
    print(f"{word}\\t{total}")
"""
WHICH_FILE = "#!/bin/sh\nwc -l | sed \"s|^|$mapreduce_map_input_file\\t|\"\n"


@pytest.fixture(scope="module")
def bucket(aws):
    s3, name = aws("s3"), unique("streaming")
    s3.create_bucket(Bucket=name)
    for key, body in (("code/mapper.sh", MAPPER), ("code/reducer.py", REDUCER), ("code/combiner.py", COMBINER),
                      ("code/which.sh", WHICH_FILE), ("in/a.txt", "a b a c a\n"), ("in/b.txt", "a b d\nb\n")):
        s3.put_object(Bucket=name, Key=key, Body=body.encode())
    return name


def _parts(s3, bucket: str, prefix: str) -> dict[str, str]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    return {k.rsplit("/", 1)[-1]: s3.get_object(Bucket=bucket, Key=k)["Body"].read().decode() for k in keys}


def test_map_tasks_per_file_a_combiner_and_partitioned_reducers(aws, bucket):
    emr, s3 = aws("emr"), aws("s3")
    code = f"s3://{bucket}/code/"
    files = ",".join(code + f for f in ("mapper.sh", "reducer.py", "combiner.py", "which.sh"))
    common = ["-files", files, "-input", f"s3://{bucket}/in/"]
    cluster_id = emr.run_job_flow(Name="streaming", ReleaseLabel="emr-7.5.0", Instances={
        "MasterInstanceType": "m5.xlarge", "KeepJobFlowAliveWhenNoSteps": False}, Steps=[
        emr_step("combined", "hadoop-streaming", "-D", "mapreduce.job.reduces=2", *common, "-mapper", "mapper.sh",
                 "-combiner", "combiner.py", "-reducer", "reducer.py", "-output", f"s3://{bucket}/combined/"),
        emr_step("plain", "hadoop-streaming", *common, "-mapper", "mapper.sh", "-reducer", "reducer.py",
                 "-output", f"s3://{bucket}/plain/"),
        emr_step("map only", "hadoop-streaming", *common, "-mapper", "which.sh", "-numReduceTasks", "0",
                 "-output", f"s3://{bucket}/which/")], **emr_roles(aws("iam")))["JobFlowId"]
    wait_cluster(emr, cluster_id, CLUSTER_DONE)
    assert {n: s["Status"]["State"] for n, s in steps_by_name(emr, cluster_id).items()} == {
        "combined": "COMPLETED", "plain": "COMPLETED", "map only": "COMPLETED"}

    combined = _parts(s3, bucket, "combined/")
    assert sorted(combined) == ["_SUCCESS", "part-00000", "part-00001"]
    rows = [line.split("\t") for part in ("part-00000", "part-00001") for line in combined[part].splitlines()]
    # each word in one partition; a line per map task that saw it (the combiner ran), not one per word
    assert sorted(rows) == [["a", "4", "2"], ["b", "3", "2"], ["c", "1", "1"], ["d", "1", "1"]]
    plain = _parts(s3, bucket, "plain/")["part-00000"]
    assert sorted(line.split("\t") for line in plain.splitlines()) == [
        ["a", "4", "4"], ["b", "3", "3"], ["c", "1", "1"], ["d", "1", "1"]]

    which = _parts(s3, bucket, "which/")
    assert sorted(which) == ["_SUCCESS", "part-00000", "part-00001"]
    assert (which["part-00000"], which["part-00001"]) == (f"s3://{bucket}/in/a.txt\t1\n", f"s3://{bucket}/in/b.txt\t2\n")
