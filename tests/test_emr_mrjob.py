"""mrjob (a widely used Python MapReduce library) runs a word count on nimbus EMR with its own EMR runner:
it uploads its files to nimbus S3, starts a transient cluster whose bootstrap script copies them with the
AWS CLI, and runs the job as a hadoop-streaming step (its mapper, the sort, its reducer), whose output it
then reads back from nimbus S3."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support import emr_roles, unique

pytest.importorskip("mrjob")

WORD_COUNT = textwrap.dedent('''
    import re
    from mrjob.job import MRJob

    WORD = re.compile(r"[a-z']+")


    class MRWordCount(MRJob):
        def mapper(self, _, line):
            for word in WORD.findall(line.lower()):
                yield word, 1

        def combiner(self, word, counts):
            yield word, sum(counts)

        def reducer(self, word, counts):
            yield word, sum(counts)


    if __name__ == "__main__":
        MRWordCount.run()
''')
LOGS = {"logs/access-1.log": "GET /index the cat\nGET /about the dog\n",
        "logs/access-2.log": "POST /login the cat sat\n"}


def test_a_word_count_runs_end_to_end(aws, account, endpoint, tmp_path):
    roles = emr_roles(aws("iam"))
    s3 = aws("s3")
    bucket = unique("mrjob")
    s3.create_bucket(Bucket=bucket)
    for key, body in LOGS.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    script = tmp_path / "mr_word_count.py"
    script.write_text(WORD_COUNT)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
           "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, str(script), "-r", "emr", "--no-conf", "--region", "us-east-1",
         "--emr-endpoint", endpoint, "--s3-endpoint", endpoint,
         "--iam-service-role", roles["ServiceRole"], "--iam-instance-profile", roles["JobFlowRole"],
         "--cloud-tmp-dir", f"s3://{bucket}/tmp/", "--output-dir", f"s3://{bucket}/counts/",
         "--check-cluster-every", "0.5", "--cloud-fs-sync-secs", "0", "--image-version", "6.15.0",
         f"s3://{bucket}/logs/"],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-4000:]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="counts/")["Contents"]]
    assert "counts/_SUCCESS" in keys, keys
    counts = {}
    for key in keys:
        if key.startswith("counts/part-"):
            for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines():
                word, count = line.split("\t")  # mrjob's JSON protocol: "word"\t3
                counts[json.loads(word)] = int(count)
    assert counts == {"get": 2, "index": 1, "the": 3, "cat": 2, "about": 1, "dog": 1, "post": 1, "login": 1, "sat": 1}
    assert f"job output is in s3://{bucket}/counts/" in out.stderr and "COMPLETED" in out.stderr
