"""CloudWatch Logs export tasks: gzipped files in AWS's layout, written as the Logs service principal, so the
bucket policy AWS documents decides."""
from __future__ import annotations

import gzip
import json
import time

from tests.support import error_of, group_with_stream, new_bucket, objects, virtual_now_ms


def logs_may_write(s3, bucket: str, account: str) -> None:
    """The bucket policy AWS documents for exports."""
    principal = {"Service": "logs.us-east-1.amazonaws.com"}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
        {"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceAccount": account}}}]}))


def settled(logs, task_id: str, deadline: float = 20.0) -> dict:
    until = time.monotonic() + deadline
    while True:
        task = logs.describe_export_tasks(taskId=task_id)["exportTasks"][0]
        if task["status"]["code"] not in ("PENDING", "RUNNING") or time.monotonic() > until:
            return task
        time.sleep(0.05)


def test_export_writes_aws_layout_under_the_bucket_policy(aws, account, endpoint):
    logs, s3 = aws("logs"), aws("s3")
    bucket = new_bucket(s3, "export")
    group = group_with_stream(logs, "web")
    logs.create_log_stream(logGroupName=group, logStreamName="other")
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="web", logEvents=[
        {"timestamp": now - 1000, "message": "first"}, {"timestamp": now, "message": "second"}])
    logs.put_log_events(logGroupName=group, logStreamName="other",
                        logEvents=[{"timestamp": now + 5000, "message": "later"}])
    request = {"logGroupName": group, "destination": bucket, "destinationPrefix": "exports",
               "from": now - 60_000, "to": now + 1, "logStreamNamePrefix": "we", "taskName": "nightly"}
    assert error_of(logs.create_export_task, **request) == ("InvalidParameterException", 400)  # no policy yet
    logs_may_write(s3, bucket, account)
    task_id = logs.create_export_task(**request)["taskId"]
    task = settled(logs, task_id)
    assert task["status"]["code"] == "COMPLETED" and task["taskName"] == "nightly"
    assert task["destinationPrefix"] == "exports" and "completionTime" in task["executionInfo"]
    stored = objects(s3, bucket, "exports/")
    assert sorted(stored) == sorted(["exports/aws-logs-write-test", f"exports/{task_id}/web/000000.gz"])
    assert stored["exports/aws-logs-write-test"] == b"Permission Check Successful"
    lines = gzip.decompress(stored[f"exports/{task_id}/web/000000.gz"]).decode().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == ["first", "second"]
    assert lines[0].split(" ", 1)[0].endswith("Z") and "T" in lines[0]
    assert error_of(logs.cancel_export_task, taskId=task_id) == ("InvalidOperationException", 400)
    assert error_of(logs.cancel_export_task, taskId="0" * 36) == ("ResourceNotFoundException", 400)
    assert [t["taskId"] for t in logs.describe_export_tasks(statusCode="COMPLETED")["exportTasks"]] == [task_id]


def test_export_refuses_a_reversed_range_and_a_missing_group(aws):
    logs = aws("logs")
    group = group_with_stream(logs)
    assert error_of(logs.create_export_task, logGroupName=group, destination="b", **{"from": 10, "to": 5}) == \
        ("InvalidParameterException", 400)
    assert error_of(logs.create_export_task, logGroupName=group + "-gone", destination="b",
                    **{"from": 1, "to": 5}) == ("ResourceNotFoundException", 400)
