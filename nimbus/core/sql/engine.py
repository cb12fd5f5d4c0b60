"""DuckDB, sealed: one in-memory database per query, tables handed in as Arrow tables, no file system or network,
no extensions, a memory and thread budget, an interrupt at the time limit, and a cap on the rows returned."""
from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from nimbus.core.sql.errors import SqlCancelled, SqlError, SqlLimitExceeded, SqlTimeout

WATCH_SECONDS = 0.05


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


def run(sql: str, tables: Mapping[str, pa.Table], limits: Limits = Limits(),
        cancel: threading.Event | None = None) -> Result:
    """Run a query `parse_select` accepted over `tables`. Raises SqlError (its subclasses) for what went wrong.

    Setting `cancel` stops the query (SqlCancelled), for a caller whose users can cancel it."""
    conn = _connect(limits)
    done, timed_out = threading.Event(), threading.Event()
    deadline = time.monotonic() + limits.seconds

    def watch() -> None:
        # Interrupts until the query ends: one sent just before DuckDB starts the query would be lost.
        while not done.wait(WATCH_SECONDS):
            if time.monotonic() >= deadline:
                timed_out.set()
            if timed_out.is_set() or (cancel is not None and cancel.is_set()):
                conn.interrupt()

    watcher = threading.Thread(target=watch, name="nimbus-sql-watch", daemon=True)
    try:
        for name, table in tables.items():
            conn.register(name, table)
        conn.execute("SET lock_configuration = true")
        watcher.start()
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchmany(limits.max_rows + 1)
        if len(rows) > limits.max_rows:
            raise SqlLimitExceeded(f"The query returned more than {limits.max_rows} rows.")
        return Result(columns, rows)
    except duckdb.OutOfMemoryException:
        raise SqlLimitExceeded("The query needed more memory than it is allowed.") from None
    except duckdb.Error as error:
        if timed_out.is_set():
            raise SqlTimeout(f"The query ran longer than {limits.seconds:g} seconds.") from None
        if cancel is not None and cancel.is_set():
            raise SqlCancelled("The query was cancelled.") from None
        raise SqlError(_message(error)) from None
    finally:
        done.set()
        if watcher.is_alive():
            watcher.join()
        conn.close()


def _message(error: duckdb.Error) -> str:
    text = str(error).split("\n\n")[0]
    return text.splitlines()[0] if text else type(error).__name__
