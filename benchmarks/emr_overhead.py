"""EMR: the wall time of a Spark step against the same spark-submit run directly (interleaved runs, the
best and the median of each), the wall time of a step that does nothing (nimbus's own cost around any
step), and a cluster's start time (RunJobFlow to WAITING).
``python -m benchmarks.emr_overhead [--job-seconds 30] [--repeat 3]``; nimbus only (moto's
steps never run), so it is not one of ``make bench``'s nimbus-against-moto benchmarks."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.harness import running
from nimbus.services.emr.commands import SPARK_HOME
from tests.support.emr import emr_roles, emr_step, steps_by_name, wait_cluster

# A job of about N seconds of Spark work: tasks that each compute for their share of the time.
JOB = """
import sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
seconds = float(sys.argv[1])
def work(_):
    end = time.time() + seconds / 4
    n = 0
    while time.time() < end:
        n += 1
    return n
print("TASKS", spark.sparkContext.parallelize(range(4), 4).map(work).count())
"""


def direct(path: str, job_seconds: float) -> float:
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable,
           "SPARK_LOCAL_IP": "127.0.0.1"}
    start = time.perf_counter()
    subprocess.run([str(SPARK_HOME / "bin" / "spark-submit"), "--master", "local[1]", path, str(job_seconds)],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def as_step(emr, cluster_id: str, name: str, *args: str) -> float:
    """The wall time of one step, from AddJobFlowSteps until ListSteps shows it ended."""
    started = time.perf_counter()
    emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[emr_step(name, *args)])
    while steps_by_name(emr, cluster_id)[name]["Status"]["State"] not in ("COMPLETED", "FAILED"):
        time.sleep(0.02)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--job-seconds", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved; the best counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, running("nimbus") as nimbus:
        path = os.path.join(scratch, "job.py")
        with open(path, "w") as job:
            job.write(JOB)
        s3, emr = nimbus.client("s3"), nimbus.client("emr")
        roles = emr_roles(nimbus.client("iam"))
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="job.py", Body=JOB.encode())
        started = time.perf_counter()
        cluster_id = emr.run_job_flow(Name="bench", ReleaseLabel="emr-7.5.0",
                                      Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 2,
                                                 "KeepJobFlowAliveWhenNoSteps": True}, **roles)["JobFlowId"]
        wait_cluster(emr, cluster_id, ("WAITING",), deadline=120)
        cluster_start = time.perf_counter() - started
        # nimbus's own cost around any step: a command that does nothing, as a step
        noop = sorted(as_step(emr, cluster_id, f"noop {n}", "bash", "-c", "true") for n in range(5))
        directs, steps = [], []
        for n in range(args.repeat):  # interleaved, so that the machine's load weighs on both alike
            directs.append(direct(path, args.job_seconds))
            steps.append(as_step(emr, cluster_id, f"job {n}", "spark-submit", "s3://bench/job.py",
                                 str(args.job_seconds)))
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
    best_direct, best_step = min(directs), min(steps)
    print(json.dumps({"cluster_start_s": round(cluster_start, 2), "noop_step_median_s": round(noop[2], 3),
                      "direct_spark_submit_s": [round(d, 2) for d in directs],
                      "emr_step_s": [round(d, 2) for d in steps],
                      "overhead_pct_best": round(100 * (best_step - best_direct) / best_direct, 1),
                      "overhead_pct_median": round(100 * (statistics.median(steps) - statistics.median(directs))
                                                   / statistics.median(directs), 1),
                      "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
