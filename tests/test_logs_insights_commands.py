"""Logs Insights commands: unnest (with jsonParse), one row per item of a JSON list; lookup, rows enriched from a
lookup table."""
from __future__ import annotations

import json

from tests.support import error_of, group_with_stream, insights_finished, unique, virtual_now_ms


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


def test_lookup_enriches_rows_from_a_lookup_table(aws, endpoint):
    logs = aws("logs")
    group = group_with_stream(logs)
    table = unique("users").replace("-", "_")
    logs.create_lookup_table(lookupTableName=table, tableBody="id,name,dept\n1,ann,ops\n2,bob,dev\n")
    now = virtual_now_ms(endpoint)
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now, "message": '{"id":"1","name":"old"}'}, {"timestamp": now, "message": '{"id":"3"}'}])
    enriched = rows(logs, group, now, f"fields id, name | lookup {table} id as id OUTPUT name, dept | sort id")
    assert enriched == [{"id": "1", "name": "ann", "dept": "ops"}, {"id": "3"}]
    kept = rows(logs, group, now, f'fields id, name | filter id = "1" | lookup {table} name as id OUTPUT name')
    assert kept == [{"id": "1", "name": "old"}]  # no match: the row keeps its own name
    counted = rows(logs, group, now, f"lookup {table} id as id OUTPUT dept | stats count(*) as n by dept | sort dept")
    assert counted == [{"dept": "ops", "n": "1"}, {"n": "1"}]
    for query, code in ((f"lookup {unique('none').replace('-', '_')} id as id OUTPUT x", "ResourceNotFoundException"),
                        (f"lookup {table} nope as id OUTPUT name", "InvalidParameterException"),
                        (f"lookup {table} id as id", "MalformedQueryException")):
        assert error_of(logs.start_query, logGroupName=group, startTime=0, endTime=1, queryString=query)[0] == code
