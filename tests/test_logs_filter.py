"""FilterLogEvents across streams, and the filter pattern syntax (terms, JSON, space-delimited)."""
from __future__ import annotations

import json
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from nimbus.protocol.errors import ServiceError
from nimbus.services.logs.filter_pattern import compile_pattern

ACCESS = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'
NOT_FOUND = '10.0.0.9 - bob [10/Oct/2000:13:26:00 -0700] "GET /missing HTTP/1.0" 404 12'
EVENT = json.dumps({"eventType": "UpdateTrail", "sourceIPAddress": "123.123.123.123", "bandwidth": 75,
                    "latency": 20, "user": {"id": 1, "email": "John.Stiles@example.com"}, "active": True,
                    "items": [{"name": "a"}, {"name": "b"}], "nothing": None})


@pytest.mark.parametrize("pattern, message, expected", [
    ("", "anything", True),
    ("ERROR", "[ERROR] Caught exception", True),
    ("ERROR", "[WARN] all good", False),
    ("ERROR Exception", "[ERROR] Caught Exception", True),
    ("ERROR Exception", "[ERROR] Caught nothing", False),
    ('"Caught Exception"', "[ERROR] Caught Exception here", True),
    ('"Caught Exception"', "[ERROR] Exception Caught", False),
    ("ERROR -Timeout", "[ERROR] Timeout reached", False),
    ("ERROR -Timeout", "[ERROR] Disk full", True),
    ("?ERROR ?WARN", "[WARN] slow", True),
    ("?ERROR ?WARN", "[INFO] fine", False),
    ("%[0-9]{3}-[0-9]{4}%", "call 555-1234 now", True),
    ("{ $.eventType = \"UpdateTrail\" }", EVENT, True),
    ("{ $.eventType = UpdateTrail }", EVENT, True),
    ("{ $.eventType = Update* }", EVENT, True),
    ("{ $.eventType != \"UpdateTrail\" }", EVENT, False),
    ("{ $.bandwidth > 70 && $.latency < 30 }", EVENT, True),
    ("{ $.bandwidth > 80 || $.latency <= 20 }", EVENT, True),
    ("{ ($.bandwidth > 80 || $.latency > 25) && $.active IS TRUE }", EVENT, False),
    ("{ $.user.email = \"John.Stiles@example.com\" }", EVENT, True),
    ("{ $.user.id = 1 }", EVENT, True),
    ("{ $.items[1].name = \"b\" }", EVENT, True),
    ("{ $.items[*].name = \"b\" }", EVENT, True),
    ("{ $.nothing IS NULL }", EVENT, True),
    ("{ $.missing NOT EXISTS }", EVENT, True),
    ("{ $.user NOT EXISTS }", EVENT, False),
    ("{ $.sourceIPAddress != 123.123.* }", EVENT, False),
    ("{ $.eventType = \"UpdateTrail\" }", "not json", False),
    ("[ip, user, username, timestamp, request, status_code, bytes]", ACCESS, True),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", ACCESS, False),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", NOT_FOUND, True),
    ("[ip, user, username, timestamp, request, status_code = 4* || status_code = 2*, bytes]", ACCESS, True),
    ("[ip, user, username, timestamp, request, status_code, bytes > 1000]", ACCESS, True),
    ("[ip = 10.0.*, ...]", NOT_FOUND, True),
    ("[ip = 10.0.*, ...]", ACCESS, False),
    ("[..., status_code = 404, bytes]", NOT_FOUND, True),
    ("[a, b]", ACCESS, False),
])
def test_filter_patterns(pattern, message, expected):
    assert compile_pattern(pattern)(message) is expected


@pytest.mark.parametrize("pattern", ["{ $.a = }", "{ $.a = 1 ", "[a, b", "{ a = 1 }", '"unterminated', "%(%"])
def test_invalid_patterns(pattern):
    with pytest.raises(ServiceError) as error:
        compile_pattern(pattern)
    assert error.value.code == "InvalidParameterException"


def test_filter_log_events_interleaves_streams_and_pages(client, endpoint):
    logs = client("logs")
    group = f"/test/filter-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    now = int(requests.get(f"{endpoint}/_nimbus/clock").json()["epoch"] * 1000)
    for stream, offset in (("web-1", 0), ("web-2", 1), ("worker", 2)):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": now - 100 + i * 3 + offset, "message": f"{'ERROR' if i % 2 else 'INFO'} {stream} {i}"}
            for i in range(4)])
    everything = logs.filter_log_events(logGroupName=group)["events"]
    assert [e["timestamp"] for e in everything] == sorted(e["timestamp"] for e in everything)
    assert len(everything) == 12 and len({e["eventId"] for e in everything}) == 12

    errors, token = [], None
    while True:
        page = logs.filter_log_events(logGroupName=group, filterPattern="ERROR", logStreamNamePrefix="web",
                                      limit=3, **({"nextToken": token} if token else {}))
        errors += [e["message"] for e in page["events"]]
        token = page.get("nextToken")
        if not token:
            break
    assert errors == ["ERROR web-1 1", "ERROR web-2 1", "ERROR web-1 3", "ERROR web-2 3"]
    only = logs.filter_log_events(logGroupName=group, logStreamNames=["worker"], startTime=now - 95)["events"]
    assert [e["message"] for e in only] == ["ERROR worker 1", "INFO worker 2", "ERROR worker 3"]

    with pytest.raises(ClientError) as error:
        logs.filter_log_events(logGroupName=group, nextToken="not-a-token")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as error:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.a = ")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
