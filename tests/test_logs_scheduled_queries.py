"""CloudWatch Logs scheduled queries run on their schedule on the virtual clock: the Insights query over the
window before each due time, its rows written to the S3 destination as the role, each run in the history."""
from __future__ import annotations

import json
import os
import signal

from tests.support import (
    advance_clock,
    error_of,
    group_with_stream,
    logs_role,
    make_client,
    new_bucket,
    serve_subprocess,
    unique,
    virtual_now_ms,
)

END_OF_TIME_MS = 4_102_444_800_000


def runs(logs, name: str, **filters) -> list[dict]:
    return logs.get_scheduled_query_history(identifier=name, startTime=0, endTime=END_OF_TIME_MS,
                                            **filters)["triggerHistory"]


def test_a_scheduled_query_runs_on_the_virtual_clock_and_writes_to_s3(aws, endpoint):
    logs, s3 = aws("logs"), aws("s3")
    group = group_with_stream(logs, "web")
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="web", logEvents=[
        {"timestamp": now - 2000, "message": '{"level":"ERROR"}'}, {"timestamp": now - 1000, "message": '{"level":"INFO"}'},
        {"timestamp": now, "message": '{"level":"ERROR"}'}])
    bucket, role, name = new_bucket(s3, "scheduled"), logs_role(aws("iam")), unique("errors")
    made = logs.create_scheduled_query(
        name=name, queryLanguage="CWLI", queryString="stats count(*) as n by level | sort level",
        logGroupIdentifiers=[group], scheduleExpression="rate(5 minutes)", startTimeOffset=900,
        executionRoleArn=role, destinationConfiguration={"s3Configuration": {
            "destinationIdentifier": f"s3://{bucket}/results", "roleArn": role}})
    disabled = unique("off")
    logs.create_scheduled_query(name=disabled, queryLanguage="CWLI", queryString="stats count(*)",
                                logGroupIdentifiers=[group], scheduleExpression="rate(1 minute)",
                                executionRoleArn=role, state="DISABLED")
    assert runs(logs, name) == []

    advance_clock(endpoint, 301)
    history = runs(logs, name)
    assert len(history) == 1 and history[0]["executionStatus"] == "Complete", history
    destination = history[0]["destinations"][0]
    assert destination["destinationType"] == "S3" and destination["status"] == "COMPLETE"
    key = destination["processedIdentifier"].removeprefix(f"s3://{bucket}/")
    assert key == f"results/{name}/{history[0]['queryId']}.json"
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert [json.loads(line) for line in body.splitlines()] == [{"level": "ERROR", "n": "2"}, {"level": "INFO", "n": "1"}]
    got = logs.get_scheduled_query(identifier=made["scheduledQueryArn"])
    assert got["lastExecutionStatus"] == "Complete" and got["lastTriggeredTime"] == history[0]["triggeredTimestamp"]
    assert runs(logs, disabled) == []

    advance_clock(endpoint, 300)
    history = runs(logs, name)
    assert len(history) == 2 and history[1]["triggeredTimestamp"] - history[0]["triggeredTimestamp"] == 300_000
    assert runs(logs, name, executionStatuses=["Failed"]) == []
    advance_clock(endpoint, 1000)  # three periods at once: one run, the schedule keeps its phase
    advance_clock(endpoint, 200)
    stamps = [h["triggeredTimestamp"] for h in runs(logs, name)]
    assert len(stamps) == 4 and [(s - stamps[0]) % 300_000 for s in stamps] == [0, 0, 0, 0]
    logs.delete_scheduled_query(identifier=name)
    assert error_of(runs, logs, name) == ("ResourceNotFoundException", 400)


def test_a_run_that_cannot_write_is_recorded_as_a_client_error(aws, endpoint, account):
    logs = aws("logs")
    group = group_with_stream(logs)
    name = unique("nowhere")
    logs.create_scheduled_query(
        name=name, queryLanguage="CWLI", queryString="fields @message", logGroupIdentifiers=[group],
        scheduleExpression="cron(* * * * ? *)", executionRoleArn=logs_role(aws("iam")),
        destinationConfiguration={"s3Configuration": {"destinationIdentifier": f"s3://{unique('missing')}/x",
                                                      "roleArn": f"arn:aws:iam::{account}:role/{unique('none')}"}})
    advance_clock(endpoint, 61)
    history = runs(logs, name)
    assert history and history[0]["executionStatus"] == "Complete"
    assert history[0]["destinations"][0]["status"] == "CLIENT_ERROR"
    logs.delete_scheduled_query(identifier=name)  # the session's server shares the clock: no run every minute
    assert error_of(logs.create_scheduled_query, name=unique("bad"), queryLanguage="CWLI", queryString="fields x",
                    logGroupIdentifiers=[group], scheduleExpression="cron(0 25 * * ? *)",
                    executionRoleArn="arn:aws:iam::1:role/r") == ("InvalidParameterException", 400)


def test_schedules_survive_kill_9_and_run_without_a_logs_request(tmp_path):
    from nimbus.server import free_port
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        logs = make_client(endpoint, "logs")
        group = group_with_stream(logs)
        logs.create_scheduled_query(name="durable", queryLanguage="CWLI", queryString="stats count(*)",
                                    logGroupIdentifiers=[group], scheduleExpression="rate(5 minutes)",
                                    executionRoleArn=logs_role(make_client(endpoint, "iam")))
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        advance_clock(endpoint, 301)  # no Logs request before: the schedule was resumed with the server
        history = runs(make_client(endpoint, "logs"), "durable")
        assert [h["executionStatus"] for h in history] == ["Complete"]
    finally:
        process.terminate()
        process.wait(timeout=10)
