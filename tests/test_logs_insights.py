"""Logs Insights through boto3: the query language on DuckDB, statistics, statuses, saved queries, fields."""
from __future__ import annotations

import json

import pytest

from tests.support import error_of, unique, virtual_now_ms
from tests.support import insights_finished as finished


def rows(answer: dict) -> list[dict]:
    return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in answer["results"]]


@pytest.fixture(scope="module")
def loaded(aws, endpoint):
    """A group with JSON and text events over ten minutes, and the window that holds them (epoch seconds)."""
    logs = aws("logs")
    group = f"/insights/{unique('g')}"
    logs.create_log_group(logGroupName=group)
    start = virtual_now_ms(endpoint) - 600_000
    for stream, offset in (("web-1", 0), ("web-2", 1)):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        events = [{"timestamp": start + i * 60_000 + offset, "message": json.dumps({
            "level": "ERROR" if i % 3 == 0 else "INFO", "latency": 10 * (i + 1), "path": f"/p{i % 2}",
            "client": {"ip": f"10.0.{offset}.{i}"}})} for i in range(10)]
        events.append({"timestamp": start + 590_000 + offset, "message": f"user=u{offset} action=login from text"})
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    return logs, group, start // 1000, start // 1000 + 700


def query(loaded, text: str, **extra) -> dict:
    logs, group, start, end = loaded
    query_id = logs.start_query(logGroupName=group, startTime=start, endTime=end, queryString=text,
                                **extra)["queryId"]
    answer = finished(logs, query_id)
    assert answer["status"] == "Complete", answer
    return answer


def test_fields_sort_limit_and_statistics(loaded):
    answer = query(loaded, "fields @timestamp, level, latency | sort latency desc | limit 3")
    assert [(r["level"], r["latency"]) for r in rows(answer)] == [("ERROR", "100"), ("ERROR", "100"), ("INFO", "90")]
    assert all(any(f["field"] == "@ptr" for f in row) for row in answer["results"])
    assert answer["statistics"]["recordsScanned"] == 22.0
    assert answer["statistics"]["recordsMatched"] == 22.0
    assert answer["statistics"]["bytesScanned"] > 0


def test_filter_and_stats_by_field_and_bin(loaded):
    answer = query(loaded, 'filter level = "ERROR" and latency >= 40 | stats count(*) as errors, avg(latency), '
                           "max(latency) by path | sort path")
    assert rows(answer) == [{"path": "/p0", "errors": "2", "avg(latency)": "70", "max(latency)": "70"},
                            {"path": "/p1", "errors": "4", "avg(latency)": "70", "max(latency)": "100"}]
    assert answer["statistics"]["recordsMatched"] == 6.0
    binned = rows(query(loaded, "stats count(*) as n by bin(5m) as period | sort period"))
    assert sum(int(r["n"]) for r in binned) == 22 and all(r["period"].endswith(":00.000") for r in binned)


def test_parse_glob_and_regex_like_in_and_functions(loaded):
    parsed = rows(query(loaded, 'parse @message "user=* action=* " as who, what | filter ispresent(who) '
                                "| display who, what | sort who"))
    assert parsed == [{"who": "u0", "what": "login"}, {"who": "u1", "what": "login"}]
    regex = rows(query(loaded, r"parse @message /user=(?<who>\w+)/ | filter who like /1$/ | fields who"))
    assert regex == [{"who": "u1"}]
    picked = rows(query(loaded, 'filter path in ["/p1"] and @logStream like "web-2" and latency < 30 '
                                "| fields toupper(level) as loud, strlen(path) as n, latency * 2 as double"))
    assert picked == [{"loud": "INFO", "n": "3", "double": "40"}]
    subnet = rows(query(loaded, 'filter isIpv4InSubnet(client.ip, "10.0.1.0/24") | stats count(*) as n'))
    assert subnet == [{"n": "10"}]


def test_dedup_and_percentiles(loaded):
    assert sorted(r["level"] for r in rows(query(loaded, "filter ispresent(level) | dedup level | fields level"))) \
        == ["ERROR", "INFO"]
    stats = rows(query(loaded, "stats pct(latency, 50) as p50, count_distinct(path) as paths, "
                               "earliest(latency) as first, latest(latency) as last, sum(latency) as total"))
    assert stats == [{"p50": "55", "paths": "2", "first": "10", "last": "100", "total": "1100"}]


def test_malformed_query_reports_its_location(loaded):
    logs, group, start, end = loaded
    with pytest.raises(logs.exceptions.MalformedQueryException) as raised:
        logs.start_query(logGroupName=group, startTime=start, endTime=end, queryString="fields @message | frobnicate x")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert raised.value.response["queryCompileError"]["location"] == {"startCharOffset": 18, "endCharOffset": 27}
    assert error_of(logs.start_query, logGroupName=group, startTime=start, endTime=end,
                    queryString="stats count(*) by bin(5x)") == ("MalformedQueryException", 400)
    assert error_of(logs.start_query, logGroupName=unique("none"), startTime=start, endTime=end,
                    queryString="fields @message") == ("ResourceNotFoundException", 400)
    assert error_of(logs.start_query, startTime=start, endTime=end, queryString="fields @message") == \
        ("InvalidParameterException", 400)


def test_describe_stop_and_saved_queries(loaded):
    logs, group, start, end = loaded
    query_id = logs.start_query(logGroupNames=[group], startTime=start, endTime=end,
                                queryString="stats count(*)")["queryId"]
    assert finished(logs, query_id)["status"] == "Complete"
    described = logs.describe_queries(logGroupName=group, status="Complete")["queries"]
    assert query_id in [q["queryId"] for q in described]
    assert error_of(logs.stop_query, queryId=query_id) == ("InvalidParameterException", 400)
    assert error_of(logs.get_query_results, queryId="0" * 36) == ("ResourceNotFoundException", 400)

    saved = logs.put_query_definition(name="ops/errors", queryString="filter level = 'ERROR'",
                                      logGroupNames=[group])["queryDefinitionId"]
    logs.put_query_definition(queryDefinitionId=saved, name="ops/errors", queryString="filter level = 'WARN'")
    definitions = logs.describe_query_definitions(queryDefinitionNamePrefix="ops/")["queryDefinitions"]
    assert [(d["queryDefinitionId"], d["queryString"]) for d in definitions] == [(saved, "filter level = 'WARN'")]
    assert logs.delete_query_definition(queryDefinitionId=saved)["success"] is True
    assert error_of(logs.delete_query_definition, queryDefinitionId=saved) == ("ResourceNotFoundException", 400)


def test_log_group_fields_and_log_record(loaded, endpoint):
    logs, group, start, end = loaded
    fields = {f["name"]: f["percent"] for f in logs.get_log_group_fields(logGroupName=group,
                                                                         time=end)["logGroupFields"]}
    assert fields["@message"] == 100 and "client.ip" in fields and "latency" in fields
    answer = query(loaded, "fields @message | sort @timestamp asc | limit 1")
    pointer = next(f["value"] for f in answer["results"][0] if f["field"] == "@ptr")
    record = logs.get_log_record(logRecordPointer=pointer)["logRecord"]
    assert record["@logStream"] == "web-1" and record["level"] == "ERROR" and record["client.ip"] == "10.0.0.0"
