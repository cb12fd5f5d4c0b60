"""EMR on real Spark, step by step, against a running nimbus.

From the EMR notes: fully managed Hadoop; HDFS and EMRFS (EMRFS stores data in S3 and is persisted);
persistent clusters run 24/7, transient ones end after their work; used for log processing and
click-stream analysis. Here a transient cluster counts the pages of web server logs with a
hadoop-streaming word count and sessionises click-stream JSON in S3 with Spark SQL, then ends by itself; a
persistent cluster waits for work, takes a step, and keeps its HDFS until it is terminated.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/emr_clusters.py
"""
from __future__ import annotations

import json
import uuid

from common import clients, wait_for

MAPPER = """#!/usr/bin/env python3
import sys
for line in sys.stdin:                      # a combined log line: the request's path is the 7th field
    fields = line.split()
    if len(fields) > 6:
        print(f"{fields[6]}\\t1")
"""
REDUCER = """#!/usr/bin/env python3
import sys
from itertools import groupby
pairs = (line.rstrip("\\n").split("\\t") for line in sys.stdin)   # sorted by key between map and reduce
for page, group in groupby(pairs, key=lambda pair: pair[0]):
    print(f"{page}\\t{sum(int(count) for _, count in group)}")
"""
SESSIONS = """
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sessions").getOrCreate()
spark.read.json(sys.argv[1]).createOrReplaceTempView("clicks")
spark.sql('''
    WITH marked AS (SELECT user, ts, CASE WHEN ts - LAG(ts) OVER (PARTITION BY user ORDER BY ts) <= 1800
                                          THEN 0 ELSE 1 END AS new_session FROM clicks),
    numbered AS (SELECT user, ts, SUM(new_session) OVER (PARTITION BY user ORDER BY ts) AS session FROM marked)
    SELECT user, session, COUNT(*) AS clicks, MAX(ts) - MIN(ts) AS seconds FROM numbered GROUP BY user, session
''').coalesce(1).write.mode("overwrite").json(sys.argv[2])
"""
LOG = ('10.0.0.{n} - - [06/Dec/2026:10:00:0{n} +0000] "GET {page} HTTP/1.1" 200 512 "-" "curl"\n')
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "SERVICE"}}]}
DONE = ("TERMINATED", "TERMINATED_WITH_ERRORS")


def default_roles(iam) -> dict:
    """What `aws emr create-default-roles` makes: the service role and the instance profile steps act as."""
    for name, service in (("EMR_DefaultRole", "elasticmapreduce.amazonaws.com"),
                          ("EMR_EC2_DefaultRole", "ec2.amazonaws.com")):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST).replace("SERVICE", service))
    iam.create_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")
    iam.add_role_to_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole", RoleName="EMR_EC2_DefaultRole")
    return {"ServiceRole": "EMR_DefaultRole", "JobFlowRole": "EMR_EC2_DefaultRole"}


def step(name: str, *args: str) -> dict:
    return {"Name": name, "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": list(args)}}


def state(emr, cluster_id: str) -> str:
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    s3, emr = aws("s3"), aws("emr")
    roles = default_roles(aws("iam"))
    bucket = f"emr-example-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    pages = ["/index", "/cart", "/index", "/checkout", "/index"]
    s3.put_object(Bucket=bucket, Key="logs/access.log",
                  Body="".join(LOG.format(n=n, page=page) for n, page in enumerate(pages)).encode())
    clicks = [{"user": "ann", "ts": 0}, {"user": "ann", "ts": 300}, {"user": "ann", "ts": 9000},
              {"user": "bob", "ts": 60}]
    s3.put_object(Bucket=bucket, Key="clicks/2026-12-06.json", Body="\n".join(map(json.dumps, clicks)).encode())
    for key, body in (("code/mapper.py", MAPPER), ("code/reducer.py", REDUCER), ("code/sessions.py", SESSIONS)):
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    print(f"1. uploaded web server logs, click-stream JSON and the job code to s3://{bucket}/")

    # Step 2: a transient cluster (KeepJobFlowAliveWhenNoSteps false): its two steps, then it ends by itself.
    transient = emr.run_job_flow(
        Name="nightly-analysis", ReleaseLabel="emr-7.5.0", LogUri=f"s3://{bucket}/emr-logs/",
        Applications=[{"Name": "Hadoop"}, {"Name": "Spark"}],
        Instances={"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge", "InstanceCount": 3,
                   "KeepJobFlowAliveWhenNoSteps": False},
        Steps=[step("page counts", "hadoop-streaming", "-files",
                    f"s3://{bucket}/code/mapper.py,s3://{bucket}/code/reducer.py", "-mapper", "mapper.py",
                    "-reducer", "reducer.py", "-input", f"s3://{bucket}/logs/", "-output", f"s3://{bucket}/counts"),
               step("sessions", "spark-submit", "--deploy-mode", "cluster", f"s3://{bucket}/code/sessions.py",
                    f"s3://{bucket}/clicks/", f"s3://{bucket}/sessions/")], **roles)["JobFlowId"]
    wait_for("the transient cluster to end", lambda: state(emr, transient) in DONE, seconds=300)
    reason = emr.describe_cluster(ClusterId=transient)["Cluster"]["Status"]["StateChangeReason"]
    print(f"2. transient cluster {transient} ran its steps and ended: {reason['Message']}")

    # Step 3: what the steps wrote to S3 (EMRFS): part-00000 of the streaming job, Spark's JSON.
    counts = dict(line.split("\t") for line in
                  s3.get_object(Bucket=bucket, Key="counts/part-00000")["Body"].read().decode().splitlines())
    part = next(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="sessions/")["Contents"]
                if "/part-" in o["Key"])
    sessions = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=part)["Body"].read().splitlines()]
    print(f"3. page counts {counts}; {len(sessions)} sessions {sorted((s['user'], s['clicks']) for s in sessions)}")

    # Step 4: a persistent cluster waits for work, runs a step, and waits again (HDFS lives meanwhile).
    persistent = emr.run_job_flow(Name="always-on", ReleaseLabel="emr-7.5.0",
                                  Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                             "KeepJobFlowAliveWhenNoSteps": True}, **roles)["JobFlowId"]
    wait_for("the persistent cluster to wait", lambda: state(emr, persistent) == "WAITING", seconds=120)
    emr.add_job_flow_steps(JobFlowId=persistent, Steps=[step(
        "stage", "s3-dist-cp", f"--src=s3://{bucket}/counts/", "--dest=hdfs:///staged/")])
    wait_for("the step", lambda: emr.list_steps(ClusterId=persistent)["Steps"][0]["Status"]["State"] == "COMPLETED",
             seconds=120)
    wait_for("the persistent cluster to wait again", lambda: state(emr, persistent) == "WAITING", seconds=60)
    print(f"4. persistent cluster {persistent} ran a step and is {state(emr, persistent)} for more")

    # Step 5: terminated on request; its HDFS goes with it.
    emr.terminate_job_flows(JobFlowIds=[persistent])
    wait_for("the persistent cluster to end", lambda: state(emr, persistent) in DONE, seconds=120)
    print(f"5. persistent cluster {persistent} is {state(emr, persistent)}")
    return {"counts": counts, "sessions": sessions, "transient_reason": reason,
            "persistent_state": state(emr, persistent)}


if __name__ == "__main__":
    main()
