"""CloudWatch Logs: groups, streams, PutLogEvents batch rules, GetLogEvents tokens, retention, restarts."""
from __future__ import annotations

import json
import uuid

import requests

from tests.support import (
    error_of,
    group_with_stream,
    logs_key,
    make_client,
    serve_subprocess,
    start_server,
    virtual_now_ms,
)

DAY_MS = 86_400_000


def unique(prefix: str) -> str:
    return f"/test/{prefix}-{uuid.uuid4().hex[:8]}"


def test_log_groups_lifecycle_tags_retention_and_kms(client):
    logs = client("logs", key="666666666666", secret="x")
    name = unique("svc")
    key = logs_key(client("kms", key="666666666666", secret="x"), "666666666666")
    logs.create_log_group(logGroupName=name, tags={"team": "a"}, kmsKeyId=key)
    assert error_of(logs.create_log_group, logGroupName=name) == ("ResourceAlreadyExistsException", 400)
    group = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    assert group["arn"] == f"arn:aws:logs:us-east-1:666666666666:log-group:{name}:*"
    assert group["logGroupArn"] == group["arn"][:-2]
    assert group["kmsKeyId"] == key and "retentionInDays" not in group
    logs.put_retention_policy(logGroupName=name, retentionInDays=7)
    assert error_of(logs.put_retention_policy, logGroupName=name, retentionInDays=8) == \
        ("InvalidParameterException", 400)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["retentionInDays"] == 7
    logs.delete_retention_policy(logGroupName=name)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    logs.disassociate_kms_key(logGroupName=name)
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]

    logs.tag_log_group(logGroupName=name, tags={"env": "dev"})
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"team": "a", "env": "dev"}
    logs.untag_resource(resourceArn=group["logGroupArn"], tagKeys=["team"])
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"env": "dev"}

    logs.delete_log_group(logGroupName=name)
    assert error_of(logs.delete_log_group, logGroupName=name) == ("ResourceNotFoundException", 400)


def test_describe_log_groups_prefix_pattern_and_paging(client):
    logs = client("logs", key="777777777777", secret="x")
    base = unique("list")
    names = sorted(f"{base}/{i:02d}-{'Blue' if i % 2 else 'red'}" for i in range(7))
    for name in names:
        logs.create_log_group(logGroupName=name)
    seen, token = [], None
    while True:
        page = logs.describe_log_groups(logGroupNamePrefix=base, limit=3, **({"nextToken": token} if token else {}))
        seen += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names
    blue = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePattern="blue")["logGroups"]]
    assert blue == [n for n in names if "Blue" in n]
    assert error_of(logs.describe_log_groups, logGroupNamePrefix=base, logGroupNamePattern="x") == \
        ("InvalidParameterException", 400)
    assert error_of(logs.describe_log_groups, nextToken="garbage!") == ("InvalidParameterException", 400)


def test_streams_order_and_paging(client, endpoint):
    logs = client("logs")
    group = unique("streams")
    logs.create_log_group(logGroupName=group)
    now = virtual_now_ms(endpoint)
    for i, stream in enumerate(["c", "a", "b"]):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now - 1000 + i, "message": stream}])
    assert error_of(logs.create_log_stream, logGroupName=group, logStreamName="a") == \
        ("ResourceAlreadyExistsException", 400)
    by_name = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in by_name] == ["a", "b", "c"]
    assert by_name[0]["firstEventTimestamp"] == now - 999 and by_name[0]["uploadSequenceToken"]
    newest = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in newest["logStreams"]] == ["b", "a", "c"]
    first = logs.describe_log_streams(logGroupName=group, limit=2)
    second = logs.describe_log_streams(logGroupName=group, limit=2, nextToken=first["nextToken"])
    assert [s["logStreamName"] for s in first["logStreams"] + second["logStreams"]] == ["a", "b", "c"]
    assert error_of(logs.describe_log_streams, logGroupName=group, logStreamNamePrefix="a",
                    orderBy="LastEventTime") == ("InvalidParameterException", 400)
    assert error_of(logs.describe_log_streams, logGroupName=unique("none")) == ("ResourceNotFoundException", 400)


def test_put_log_events_batch_rules(client, endpoint):
    logs = client("logs")
    group = group_with_stream(logs)
    now = virtual_now_ms(endpoint)
    assert error_of(logs.put_log_events, logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": "second"}, {"timestamp": now - 10, "message": "first"}]) == \
        ("InvalidParameterException", 400)
    assert error_of(logs.put_log_events, logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now - 25 * 3600 * 1000, "message": "a"}, {"timestamp": now, "message": "b"}]) == \
        ("InvalidParameterException", 400)
    too_big = [{"timestamp": now, "message": "x" * 1_048_550}]  # + 26 bytes of overhead = 1,048,576: fits
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=too_big)
    too_big[0]["message"] += "x"
    assert error_of(logs.put_log_events, logGroupName=group, logStreamName="app", logEvents=too_big) == \
        ("InvalidParameterException", 400)
    halves = [{"timestamp": now, "message": "y" * 600_000}, {"timestamp": now, "message": "z" * 600_000}]
    assert error_of(logs.put_log_events, logGroupName=group, logStreamName="app", logEvents=halves) == \
        ("InvalidParameterException", 400)
    assert error_of(logs.put_log_events, logGroupName=group, logStreamName="nope", logEvents=[
        {"timestamp": now, "message": "m"}]) == ("ResourceNotFoundException", 400)
    assert error_of(logs.put_log_events, logGroupName=unique("nope"), logStreamName="app", logEvents=[
        {"timestamp": now, "message": "m"}]) == ("ResourceNotFoundException", 400)

    result = logs.put_log_events(logGroupName=group, logStreamName="app", sequenceToken="ignored", logEvents=[
        {"timestamp": now - 15 * DAY_MS, "message": "too old 1"},
        {"timestamp": now - 15 * DAY_MS + 1, "message": "too old 2"},
        {"timestamp": now - 1000, "message": "kept 1"},
        {"timestamp": now, "message": "kept 2"},
        {"timestamp": now + 3 * 3600 * 1000, "message": "too new"},
    ])
    assert result["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 4}
    assert result["nextSequenceToken"]
    messages = [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern="-xxxx")["events"]]
    assert messages == ["kept 1", "kept 2"]


def test_put_rejects_events_older_than_retention(client, endpoint):
    logs = client("logs")
    group = group_with_stream(logs)
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    now = virtual_now_ms(endpoint)
    result = logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now - 2 * DAY_MS, "message": "expired"}, {"timestamp": now, "message": "fresh"}])
    assert result["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}


def test_get_log_events_tokens(client, endpoint):
    logs = client("logs")
    group = group_with_stream(logs)
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app",
                        logEvents=[{"timestamp": now - 100 + i, "message": f"m{i}"} for i in range(7)])
    # From the head, forward, until the same token comes back.
    seen, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {"startFromHead": True}
        page = logs.get_log_events(logGroupName=group, logStreamName="app", limit=3, **kwargs)
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            assert page["events"] == []
            break
        token = page["nextForwardToken"]
    assert seen == [f"m{i}" for i in range(7)]
    # Without startFromHead: the newest events, then backwards.
    tail = logs.get_log_events(logGroupName=group, logStreamName="app", limit=3)
    assert [e["message"] for e in tail["events"]] == ["m4", "m5", "m6"]
    back = logs.get_log_events(logGroupName=group, logStreamName="app", limit=3, nextToken=tail["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == ["m1", "m2", "m3"]
    assert back["nextForwardToken"].startswith("f/") and back["nextBackwardToken"].startswith("b/")
    window = logs.get_log_events(logGroupName=group, logStreamName="app", startTime=now - 98, endTime=now - 96,
                                 startFromHead=True)
    assert [e["message"] for e in window["events"]] == ["m2", "m3"]
    assert error_of(logs.get_log_events, logGroupName=group, logStreamName="app", nextToken="f/123") == \
        ("InvalidParameterException", 400)


def test_retention_and_restart_on_a_private_server(tmp_path):
    running = start_server(tmp_path).start()
    try:
        logs = make_client(running.endpoint, "logs")
        logs.create_log_group(logGroupName="/keep")
        logs.create_log_stream(logGroupName="/keep", logStreamName="s")
        now = virtual_now_ms(running.endpoint)
        logs.put_log_events(logGroupName="/keep", logStreamName="s", logEvents=[
            {"timestamp": now - 1000, "message": json.dumps({"n": 1})}, {"timestamp": now, "message": "two"}])
    finally:
        running.stop()
    running = start_server(tmp_path).start()
    try:
        logs = make_client(running.endpoint, "logs")
        events = logs.get_log_events(logGroupName="/keep", logStreamName="s", startFromHead=True)["events"]
        assert [e["message"] for e in events] == ['{"n": 1}', "two"]
        logs.put_retention_policy(logGroupName="/keep", retentionInDays=1)
        requests.post(f"{running.endpoint}/_nimbus/clock", json={"advance_seconds": 86400 + 0.5})
        assert logs.get_log_events(logGroupName="/keep", logStreamName="s")["events"] == []
        assert logs.filter_log_events(logGroupName="/keep")["events"] == []
    finally:
        running.stop()


def test_services_write_logs_through_the_internal_client(client, server, endpoint):
    logs = client("logs")
    group = unique("trail")
    logs.create_log_group(logGroupName=group)
    now = virtual_now_ms(endpoint)
    call = server.runtime.client.call
    as_trail = {"account_id": "000000000000", "region": "us-east-1", "invoked_by": "cloudtrail.amazonaws.com"}
    call("logs", "CreateLogStream", {"logGroupName": group, "logStreamName": "000000000000_CloudTrail_us-east-1"},
         **as_trail)
    call("logs", "PutLogEvents", {"logGroupName": group, "logStreamName": "000000000000_CloudTrail_us-east-1",
                                  "logEvents": [{"timestamp": now, "message": '{"eventName": "Encrypt"}'}]}, **as_trail)
    found = logs.filter_log_events(logGroupName=group, filterPattern='{ $.eventName = "Encrypt" }')["events"]
    assert [e["logStreamName"] for e in found] == ["000000000000_CloudTrail_us-east-1"]


def test_acknowledged_events_survive_kill_9(tmp_path):
    import os
    import signal

    from nimbus.core.ports import free_port
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        logs = make_client(endpoint, "logs")
        logs.create_log_group(logGroupName="/killed")
        logs.create_log_stream(logGroupName="/killed", logStreamName="s")
        now = virtual_now_ms(endpoint)
        logs.put_log_events(logGroupName="/killed", logStreamName="s",
                            logEvents=[{"timestamp": now + i, "message": f"event {i}"} for i in range(50)])
        topic = make_client(endpoint, "sns").create_topic(Name="killed")["TopicArn"]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process = serve_subprocess(str(tmp_path / "data"), port)
    try:
        events = make_client(endpoint, "logs").get_log_events(logGroupName="/killed", logStreamName="s",
                                                              startFromHead=True)["events"]
        assert [e["message"] for e in events] == [f"event {i}" for i in range(50)]
        assert make_client(endpoint, "sns").get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic
    finally:
        process.terminate()
        process.wait(timeout=10)
