"""The shared SQL engine: only one SELECT over the named tables passes, and DuckDB runs it sealed and bounded."""
import threading
import time

import pyarrow as pa
import pytest

from nimbus.core.sql import (
    Limits,
    SqlCancelled,
    SqlError,
    SqlLimitExceeded,
    SqlNotAllowed,
    SqlSyntaxError,
    SqlTimeout,
    parse_select,
    run,
)

EVENTS = pa.table({"eventName": ["A", "B", "A"], "n": [1, 2, 3],
                   "userIdentity": [{"arn": "x"}, {"arn": "y"}, {"arn": "x"}]})


def test_a_select_over_an_allowed_table_runs():
    sql = "SELECT eventName, count(*) AS c, sum(n) FROM events WHERE userIdentity.arn = 'x' GROUP BY eventName"
    parse_select(sql, ["events"])
    result = run(sql, {"events": EVENTS})
    assert result.columns == ["eventName", "c", "sum(n)"]
    assert result.rows == [("A", 2, 4)]


def test_ctes_subqueries_and_unions_over_allowed_tables_pass():
    parse_select("WITH x AS (SELECT * FROM events) SELECT count(*) FROM x", ["events"])
    parse_select("SELECT * FROM (SELECT n FROM events) s UNION SELECT 1", ["events"])


@pytest.mark.parametrize("sql", [
    "INSERT INTO events VALUES (1)", "DELETE FROM events", "DROP TABLE events", "CREATE TABLE x AS SELECT 1",
    "COPY events TO 'out.csv'", "PRAGMA version", "ATTACH 'x.db' AS y", "SET threads = 8", "INSTALL httpfs",
    "LOAD httpfs", "SELECT 1; SELECT 2", "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('x.parquet')", "SELECT * FROM 'data.csv'", "SELECT * FROM other",
    "SELECT * FROM main.events", "SELECT getenv('HOME')", "SELECT * INTO copy FROM events",
    "SELECT current_setting('memory_limit')", "SELECT * FROM events, range(10)", "SELECT * FROM duckdb_settings()",
])
def test_anything_but_one_select_over_allowed_tables_is_refused(sql):
    with pytest.raises(SqlNotAllowed):
        parse_select(sql, ["events"])


def test_text_that_is_not_sql_is_a_syntax_error():
    with pytest.raises(SqlSyntaxError):
        parse_select("SELECT FROM WHERE (", ["events"])


def test_duckdb_itself_has_no_file_system_even_past_the_guard():
    with pytest.raises(SqlError, match="disabled"):
        run("SELECT * FROM read_csv('/etc/passwd')", {})


def test_a_long_query_is_interrupted_at_its_time_limit():
    with pytest.raises(SqlTimeout):
        run("SELECT count(*) FROM range(100000000000)", {}, Limits(seconds=0.3))


def test_a_query_past_its_memory_limit_fails_cleanly():
    with pytest.raises(SqlLimitExceeded):
        run("SELECT list(range(1000000)) FROM range(10000)", {}, Limits(memory="64MB"))


def test_too_many_rows_is_refused():
    with pytest.raises(SqlLimitExceeded):
        run("SELECT * FROM events", {"events": EVENTS}, Limits(max_rows=2))


def test_a_runtime_error_is_a_sql_error():
    with pytest.raises(SqlError, match="nosuch"):
        run("SELECT nosuch FROM events", {"events": EVENTS})


def test_a_caller_can_stop_a_running_query():
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    began = time.monotonic()
    with pytest.raises(SqlCancelled):
        run("SELECT count(*) FROM range(100000000000)", {}, Limits(seconds=30), cancel)
    assert time.monotonic() - began < 10
