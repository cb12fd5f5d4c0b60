"""Logs Insights' unnest command and jsonParse: one row per item of a JSON list, the items' members readable."""
from __future__ import annotations

import json

from tests.support import error_of, group_with_stream, insights_finished, virtual_now_ms


def rows(logs, group: str, now: int, query: str) -> list[dict]:
    query_id = logs.start_query(logGroupName=group, startTime=now // 1000 - 60, endTime=now // 1000 + 60,
                                queryString=query)["queryId"]
    answer = insights_finished(logs, query_id)
    assert answer["status"] == "Complete", answer
    return [{c["field"]: c["value"] for c in row if c["field"] != "@ptr"} for row in answer["results"]]


def test_unnest_expands_lists_into_rows(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": json.dumps({"events": [{"name": "exception"}, {"name": "user action"}]})},
        {"timestamp": now, "message": json.dumps({"events": {"name": "single"}})}])
    named = rows(logs, group, now, "fields jsonParse(@message) as js | unnest js.events into event "
                                   "| display event.name | sort event.name")
    assert named == [{"event.name": "exception"}, {"event.name": "single"}, {"event.name": "user action"}]
    counted = rows(logs, group, now, "unnest events into e | stats count(*) as n by e.name | sort e.name")
    assert counted == [{"e.name": "exception", "n": "1"}, {"e.name": "single", "n": "1"},
                       {"e.name": "user action", "n": "1"}]
    filtered = rows(logs, group, now, 'unnest events into e | filter e.name like "act" | fields e.name')
    assert filtered == [{"e.name": "user action"}]
    assert error_of(logs.start_query, logGroupName=group, startTime=0, endTime=1,
                    queryString="unnest events as e") == ("MalformedQueryException", 400)
