"""DuckDB, sealed: one in-memory database per query, tables handed in as Arrow tables, no file system or network,
no extensions, a memory and thread budget, an interrupt at the time limit, and a cap on the rows returned."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from nimbus.core.sql.errors import SqlError, SqlLimitExceeded, SqlTimeout


@dataclass(frozen=True)
class Limits:
    memory: str = "256MB"
    threads: int = 1
    seconds: float = 30.0
    max_rows: int = 100_000


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def _connect(limits: Limits) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:", config={
        "enable_external_access": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "python_enable_replacements": False,  # a name never resolves to a Python object of ours
        "memory_limit": limits.memory,
        "threads": limits.threads,
        "temp_directory": "",  # nothing spills to disk: past the memory limit the query fails
    })


def run(sql: str, tables: Mapping[str, pa.Table], limits: Limits = Limits()) -> Result:
    """Run a query `parse_select` accepted over `tables`. Raises SqlError (its subclasses) for what went wrong."""
    conn = _connect(limits)
    timed_out = threading.Event()

    def interrupt() -> None:
        timed_out.set()
        conn.interrupt()

    timer = threading.Timer(limits.seconds, interrupt)
    try:
        for name, table in tables.items():
            conn.register(name, table)
        conn.execute("SET lock_configuration = true")
        timer.start()
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchmany(limits.max_rows + 1)
        if len(rows) > limits.max_rows:
            raise SqlLimitExceeded(f"The query returned more than {limits.max_rows} rows.")
        return Result(columns, rows)
    except duckdb.InterruptException:
        raise SqlTimeout(f"The query ran longer than {limits.seconds:g} seconds.") from None
    except duckdb.OutOfMemoryException:
        raise SqlLimitExceeded("The query needed more memory than it is allowed.") from None
    except duckdb.Error as error:
        if timed_out.is_set():
            raise SqlTimeout(f"The query ran longer than {limits.seconds:g} seconds.") from None
        raise SqlError(_message(error)) from None
    finally:
        timer.cancel()
        conn.close()


def _message(error: duckdb.Error) -> str:
    text = str(error).split("\n\n")[0]
    return text.splitlines()[0] if text else type(error).__name__
