"""A daily Data Pipeline, step by step, against a running nimbus.

From the notes: Data Pipeline is ETL that "runs on a schedule", "can launch and tear down the instances
needed", and "retries 3 times by default if an activity fails": best for regular batch processes. Here a
daily schedule over two past days is backfilled: each day's web server logs are copied (CopyActivity),
transformed to CSV by a shell command on an Ec2Resource that nimbus starts and tears down (the first
attempt fails on purpose and is retried), and loaded into PostgreSQL (RedshiftCopyActivity, PostgreSQL
standing in for Redshift). Each load raises an SNS alarm that an HTTP subscriber receives.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 DAILY_PIPELINE_POSTGRES=127.0.0.1:5432:postgres \
      python examples/daily_pipeline.py        (the PostgreSQL user needs a database named dev)
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from common import clients, wait_for

LOGS = {
    "2024-01-01": ['10.0.0.1 - - [01/Jan/2024:08:00:01] "GET /index.html HTTP/1.1" 200 512',
                   '10.0.0.2 - - [01/Jan/2024:08:00:07] "GET /missing HTTP/1.1" 404 0'],
    "2024-01-02": ['10.0.0.3 - - [02/Jan/2024:09:12:00] "GET /index.html HTTP/1.1" 200 512',
                   '10.0.0.1 - - [02/Jan/2024:09:13:30] "POST /login HTTP/1.1" 302 0',
                   '10.0.0.4 - - [02/Jan/2024:09:14:02] "GET /about.html HTTP/1.1" 200 2048'],
}
DAY = "#{format(@scheduledStartTime,'YYYY-MM-dd')}"


def field(key, value):
    return {"key": key, "refValue": value[1]} if isinstance(value, tuple) else {"key": key, "stringValue": value}


def obj(object_id, **fields):
    return {"id": object_id, "name": object_id, "fields": [field(k, v) for k, v in fields.items()]}


class Subscriber:
    """An HTTP endpoint SNS posts to: it keeps every message."""

    def __init__(self):
        self.messages: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.messages.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alarms"

    def of_type(self, kind):
        return [m for m in self.messages if m["Type"] == kind]


def advance_clock(seconds):
    request = urllib.request.Request(f"{os.environ['AWS_ENDPOINT_URL']}/_nimbus/clock", method="POST",
                                     data=json.dumps({"advance_seconds": seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=120).close()


def main():
    aws = clients()
    s3, sns, iam, dp = aws("s3"), aws("sns"), aws("iam"), aws("datapipeline")
    host, port, user = os.environ.get("DAILY_PIPELINE_POSTGRES", "127.0.0.1:5432:postgres").split(":")
    run = uuid.uuid4().hex[:8]
    bucket, table = f"daily-{run}", f"hits_{run}"

    print("1. Raw logs for two past days land in S3, and PostgreSQL gets the table to load.")
    s3.create_bucket(Bucket=bucket)
    for day, lines in LOGS.items():
        s3.put_object(Bucket=bucket, Key=f"raw/{day}/access.log", Body=("\n".join(lines) + "\n").encode())
    with psycopg.connect(host=host, port=int(port), user=user, dbname="dev") as conn:
        conn.execute(f"CREATE TABLE {table} (day date, path text, status int)")

    print("2. One role for the pipeline and its Ec2Resource; an SNS topic with an HTTP subscriber.")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
        "Service": ["datapipeline.amazonaws.com", "ec2.amazonaws.com"]}}]}
    role = iam.create_role(RoleName=f"daily-{run}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=f"daily-{run}", PolicyName="work", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sns:*", "datapipeline:*"],
                                                "Resource": "*"}]}))
    subscriber = Subscriber()
    topic = sns.create_topic(Name=f"daily-{run}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=subscriber.url)
    token = wait_for("confirmation", lambda: subscriber.of_type("SubscriptionConfirmation"))[0]["Token"]
    sns.confirm_subscription(TopicArn=topic, Token=token)

    print("3. The definition: copy, transform (failing once, on purpose), load, alarm.")
    injected = os.path.join(tempfile.mkdtemp(prefix="daily-"), "failed-once")
    transform = (f"if [ ! -f {injected} ]; then touch {injected}; echo injected failure >&2; exit 1; fi; "
                 f"awk -v day={DAY} '{{print day \",\" $6 \",\" $8}}' ${{INPUT1_STAGING_DIR}}/*.log "
                 "> ${OUTPUT1_STAGING_DIR}/hits.csv")
    definition = [
        obj("Default", scheduleType="cron", role=role, resourceRole=role, failureAndRerunMode="cascade",
            pipelineLogUri=f"s3://{bucket}/logs/", schedule=("ref", "Daily")),
        obj("Daily", type="Schedule", period="1 day", startDateTime="2024-01-01T00:00:00",
            endDateTime="2024-01-03T00:00:00"),
        obj("Worker", type="Ec2Resource", terminateAfter="2 hours"),
        obj("Raw", type="S3DataNode", directoryPath=f"s3://{bucket}/raw/{DAY}"),
        obj("Staged", type="S3DataNode", directoryPath=f"s3://{bucket}/staged/{DAY}"),
        obj("Clean", type="S3DataNode", directoryPath=f"s3://{bucket}/clean/{DAY}"),
        obj("Database", type="RedshiftDatabase", connectionString=f"jdbc:redshift://{host}:{port}/dev",
            username=user, **{"*password": "unused"}),
        obj("Hits", type="RedshiftDataNode", database=("ref", "Database"), tableName=table),
        obj("Loaded", type="SnsAlarm", topicArn=topic, subject="Daily load done",
            message=f"Loaded the web logs of {DAY} into {table}"),
        obj("Copy", type="CopyActivity", input=("ref", "Raw"), output=("ref", "Staged"), runsOn=("ref", "Worker")),
        obj("Transform", type="ShellCommandActivity", input=("ref", "Staged"), output=("ref", "Clean"),
            stage="true", command=transform, dependsOn=("ref", "Copy"), runsOn=("ref", "Worker"),
            retryDelay="5 minutes"),
        obj("Load", type="RedshiftCopyActivity", input=("ref", "Clean"), output=("ref", "Hits"), commandOptions="CSV",
            insertMode="KEEP_EXISTING", dependsOn=("ref", "Transform"), runsOn=("ref", "Worker"),
            onSuccess=("ref", "Loaded")),
    ]
    pipeline = dp.create_pipeline(name="daily-logs", uniqueId=f"daily-{run}")["pipelineId"]
    answer = dp.put_pipeline_definition(pipelineId=pipeline, pipelineObjects=definition)
    assert not answer["errored"], answer
    dp.activate_pipeline(pipelineId=pipeline)

    def status(object_id):
        found = dp.describe_objects(pipelineId=pipeline, objectIds=[object_id])["pipelineObjects"]
        return {f["key"]: f.get("stringValue") for f in found[0]["fields"]}.get("@status") if found else None

    print("4. Both past days are backfilled; the first transform attempt fails and waits its retryDelay.")
    failed = wait_for("a failed attempt", lambda: dp.query_objects(pipelineId=pipeline, sphere="ATTEMPT", query={
        "selectors": [{"fieldName": "@status", "operator": {"type": "EQ", "values": ["FAILED"]}}]})["ids"])
    print(f"   {failed[0]} FAILED (injected); moving the virtual clock past its retryDelay")
    advance_clock(301)
    loads = [f"@Load_{day}T00:00:00" for day in LOGS]
    wait_for("both loads", lambda: all(status(load) == "FINISHED" for load in loads), seconds=120)

    print("5. PostgreSQL has every hit; SNS told the subscriber about each load.")
    with psycopg.connect(host=host, port=int(port), user=user, dbname="dev") as conn:
        rows = conn.execute(f"SELECT day::text, path, status FROM {table} ORDER BY day, path").fetchall()
    for row in rows:
        print("  ", *row)
    alarms = wait_for("two alarms", lambda: len(subscriber.of_type("Notification")) >= 2 and
                      subscriber.of_type("Notification"))
    for alarm in alarms:
        print(f"   alarm: {alarm['Subject']}: {alarm['Message']}")
    subscriber.server.shutdown()
    return {"rows": rows, "alarms": [a["Message"] for a in alarms], "failed": failed}


if __name__ == "__main__":
    main()
