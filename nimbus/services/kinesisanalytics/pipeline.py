"""An application's in-application streams and pumps, run incrementally.

Rows pushed into a stream flow through the pumps that read it: a row-by-row pump (projections,
filters) runs its query over each batch at once; a tumbling-window pump keeps its rows until the window
closes, that is when the virtual clock passes the window's end, then runs its query over that window's
rows alone; the rows it writes carry the window's end as ROWTIME. DuckDB runs every query, over one
table per stream that holds only the rows of the step at hand.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from nimbus.services.kinesisanalytics.analytic import OUTPUTS, Analytic, numeric
from nimbus.services.kinesisanalytics.records import ERROR_COLUMNS, ERROR_STREAM, error_row, when
from nimbus.services.kinesisanalytics.sql_program import HIDDEN, Program, Pump, code_error

Row = dict[str, Any]
# Application code is the caller's SQL run inside the server: no files, no extensions, no network, no
# settings changed back, one thread and bounded memory.
DUCKDB_SETTINGS: dict[str, str | bool | int | float | list[str]] = {"enable_external_access": False, "autoinstall_known_extensions": False,
                   "autoload_known_extensions": False, "threads": 1, "memory_limit": "256MB",
                   "lock_configuration": True}
# The dialect's functions DuckDB lacks: TSDIFF(a, b) is a - b in milliseconds.
MACROS = ["CREATE MACRO TSDIFF(a, b) AS epoch_ms(a) - epoch_ms(b)"]
EPOCH = datetime(1970, 1, 1)
BATCH_VIEW = "__nimbus_batch"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Pipeline:
    def __init__(self, program: Program, inputs: dict[str, list[tuple[str, str]]],
                 tables: dict[str, tuple[list[tuple[str, str]], list[Row]]] | None = None):
        """``tables``: each reference table's columns and rows (loaded once: they do not change)."""
        self.program = program
        self.columns: dict[str, list[tuple[str, str]]] = {**inputs, ERROR_STREAM: ERROR_COLUMNS}
        for name, columns in program.streams.items():
            self.columns[name] = [("ROWTIME", "TIMESTAMP"), *columns]
        self.db = duckdb.connect(":memory:", config=DUCKDB_SETTINGS)
        for macro in MACROS:
            self.db.execute(macro)
        for name, columns in self.columns.items():
            self.db.execute(f"CREATE TABLE {_quoted(name)} ("
                            + ", ".join(f"{_quoted(c)} {t}" for c, t in columns) + ")")
        for name, (columns, rows) in (tables or {}).items():
            self.db.execute(f"CREATE TABLE {_quoted(name)} ("
                            + ", ".join(f"{_quoted(c)} {t}" for c, t in columns) + ")")
            self._load(_quoted(name), [c for c, _ in columns], rows)
        self.waiting: dict[str, list[Row]] = defaultdict(list)  # a window pump's rows not yet closed
        self.history: dict[str, list[Row]] = defaultdict(list)  # a sliding pump's rows still in its range
        # a stagger pump's open windows: partition key -> (the ROWTIME it opened at, its rows)
        self.staggered: dict[str, dict[tuple, tuple[datetime, list[Row]]]] = defaultdict(dict)
        self.joinable: dict[str, list[Row]] = defaultdict(list)  # a join's rows of its other stream, in range
        self.analytics: dict[str, Analytic] = {}  # a cursor pump's function, with its model
        self.targets = {pump.name: self._cursor(pump) if pump.analytic else self._check(pump)
                        for pump in program.pumps}

    def _cursor(self, pump: Pump) -> list[str]:
        """The columns a cursor pump selects; its hidden stream holds them and the function's own."""
        assert pump.analytic
        function, arguments = pump.analytic
        try:
            described = self.db.execute(f"DESCRIBE {pump.query}").fetchall()
            if "ROWTIME" not in [d[0] for d in described]:  # each row keeps its own ROWTIME
                pump.query = re.sub(r"^SELECT\b", "SELECT ROWTIME,", pump.query, flags=re.I)
                described = self.db.execute(f"DESCRIBE {pump.query}").fetchall()
        except duckdb.Error as error:
            raise code_error(f"SQL error in the CURSOR of pump {pump.name}: {error}") from None
        columns = [(str(d[0]), str(d[1])) for d in described]
        numbers = [name for name, sql_type in columns if name != "ROWTIME" and numeric(sql_type)]
        if not numbers:
            raise code_error(f"The CURSOR of {function} in pump {pump.name} selects no numeric column.")
        self.columns[pump.target] = [("ROWTIME", "TIMESTAMP"), *[c for c in columns if c[0] != "ROWTIME"],
                                     *OUTPUTS[function]]
        self.db.execute(f"CREATE TABLE {_quoted(pump.target)} ("
                        + ", ".join(f"{_quoted(c)} {t}" for c, t in self.columns[pump.target]) + ")")
        self.analytics[pump.name] = Analytic(function, arguments, numbers, pump.name)
        return [name for name, _ in columns]

    def _check(self, pump: Pump) -> list[str]:
        """The target columns the pump writes, checked against an empty run of its query."""
        if pump.source not in self.columns:
            raise code_error(f"Stream {pump.source} read by pump {pump.name} does not exist.")
        if pump.joined and pump.joined not in self.columns:
            raise code_error(f"Stream {pump.joined} joined by pump {pump.name} does not exist.")
        if pump.target not in self.program.streams:
            raise code_error(f"Stream {pump.target} written by pump {pump.name} does not exist.")
        try:
            described = self.db.execute(f"SELECT * FROM ({pump.query}) LIMIT 0").description
        except duckdb.Error as error:
            raise code_error(f"SQL error in pump {pump.name}: {error}") from None
        declared = [c for c, _ in self.program.streams[pump.target]]
        targets = pump.columns or declared
        unknown = [c for c in targets if c not in declared]
        if unknown:
            raise code_error(f"Column {unknown[0]} is not a column of stream {pump.target}.")
        selected = len(described or []) - (HIDDEN if pump.sliding_seconds else 0)
        if selected != len(targets):
            raise code_error(f"Pump {pump.name} selects {selected} columns into {len(targets)} "
                             f"columns of stream {pump.target}.")
        return targets

    def push(self, stream: str, rows: list[Row]) -> dict[str, list[Row]]:
        """What every stream receives when ``rows`` enter ``stream``."""
        received: dict[str, list[Row]] = defaultdict(list)
        queue = [(stream, rows)]
        while queue:
            name, batch = queue.pop(0)
            if not batch:
                continue
            received[name] += batch
            for pump in self.program.pumps:
                if pump.joined == name:
                    newest = max(r["ROWTIME"] for r in batch) - timedelta(seconds=pump.join_seconds or 0)
                    self.joinable[pump.name] = [r for r in self.joinable[pump.name] + batch if r["ROWTIME"] >= newest]
                if pump.source != name:
                    continue
                if pump.window_seconds:
                    self.waiting[pump.name] += batch
                elif pump.stagger_seconds:
                    self._stagger(pump, batch)
                elif pump.sliding_seconds:
                    queue.append((pump.target, self._slide(pump, batch, queue)))
                else:
                    written = self._run(pump, batch, max(r["ROWTIME"] for r in batch), queue)
                    if pump.analytic:
                        written = self.analytics[pump.name].apply(written)
                    queue.append((pump.target, written))
        return received

    def _stagger(self, pump: Pump, batch: list[Row]) -> None:
        """Each row joins the open window of its partition key, or opens one at its ROWTIME."""
        table = _quoted(pump.source)
        self.db.execute(f"DELETE FROM {table}")
        try:
            self._load(table, [c for c, _ in self.columns[pump.source]], batch)
            keys = self.db.execute(f"SELECT {pump.partition} FROM {table} ORDER BY rowid").fetchall()
        finally:
            self.db.execute(f"DELETE FROM {table}")
        windows = self.staggered[pump.name]
        for key, row in zip(keys, batch, strict=True):
            windows.setdefault(tuple(key), (row["ROWTIME"], []))[1].append(row)

    def _closed(self, pump: Pump, now: datetime) -> dict[datetime, list[Row]]:
        """The rows of the pump's windows that ended by ``now``, by their end (taken out of the pump)."""
        windows: dict[datetime, list[Row]] = defaultdict(list)
        if pump.stagger_seconds:
            size = timedelta(seconds=pump.stagger_seconds)
            for key, (opened, rows) in list(self.staggered[pump.name].items()):
                if opened + size <= now:
                    windows[opened + size] += rows
                    del self.staggered[pump.name][key]
            return windows
        size_s = pump.window_seconds or 0
        open_from = when((now - EPOCH).total_seconds() // size_s * size_s) if size_s else now
        for row in self.waiting.pop(pump.name, []):
            if row["ROWTIME"] >= open_from:
                self.waiting[pump.name].append(row)
            else:
                start = (row["ROWTIME"] - EPOCH).total_seconds() // size_s * size_s
                windows[EPOCH + timedelta(seconds=start + size_s)].append(row)
        return windows

    def tick(self, now: float) -> dict[str, list[Row]]:
        """Close every window that ended by ``now``; what the streams receive from them."""
        received: dict[str, list[Row]] = defaultdict(list)
        for pump in self.program.pumps:
            if not (pump.window_seconds or pump.stagger_seconds):
                continue
            windows = self._closed(pump, when(now))
            for end in sorted(windows):
                queue: list = []
                for name, rows in self.push(pump.target, self._run(pump, windows[end], end, queue)).items():
                    received[name] += rows
                for name, rows in queue:
                    received[name] += self.push(name, rows).get(name, [])
        return received

    def _load(self, table: str, names: list[str], rows: list[Row]) -> None:
        """Append ``rows`` to ``table`` as one Arrow batch (DuckDB inserts row by row far slower)."""
        if not rows:
            return
        self.db.register(BATCH_VIEW, pa.table({f"c{i}": [row.get(name) for row in rows]
                                               for i, name in enumerate(names)}))
        try:
            self.db.execute(f"INSERT INTO {table} SELECT * FROM {BATCH_VIEW}")
        finally:
            self.db.unregister(BATCH_VIEW)

    def _slide(self, pump: Pump, batch: list[Row], errors: list) -> list[Row]:
        """A sliding window's rows for the new rows alone, each over the rows of its range before it."""
        since = min(r["ROWTIME"] for r in batch) - timedelta(seconds=pump.sliding_seconds or 0)
        history = [r for r in self.history[pump.name] if r["ROWTIME"] >= since]
        self.history[pump.name] = history + batch
        return self._run(pump, batch, max(r["ROWTIME"] for r in batch), errors, history)

    def _run(self, pump: Pump, rows: list[Row], rowtime: datetime, errors: list,
             history: list[Row] | None = None) -> list[Row]:
        """The rows the pump writes for ``rows`` of its source (after ``history``, the rows a sliding
        window looks back on); a failing query's error goes to error_stream."""
        table = _quoted(pump.source)
        names = [c for c, _ in self.columns[pump.source]]
        self.db.execute(f"DELETE FROM {table}")
        try:
            if pump.joined:  # the other stream's rows within the window before these rows
                since = min(r["ROWTIME"] for r in rows) - timedelta(seconds=pump.join_seconds or 0)
                self._load(_quoted(pump.joined), [c for c, _ in self.columns[pump.joined]],
                           [r for r in self.joinable[pump.name] if since <= r["ROWTIME"] <= rowtime])
            first_new = -1
            if history is not None:
                self._load(table, names, history)
                last_old = self.db.execute(f"SELECT max(rowid) FROM {table}").fetchall()[0][0]
                first_new = -1 if last_old is None else last_old
            self._load(table, names, rows)
            result = self.db.execute(pump.query)
            selected = [d[0] for d in result.description or []]
            fetched = result.fetchall()
        except (duckdb.Error, pa.ArrowException, OverflowError) as error:
            errors.append((ERROR_STREAM, [error_row(rowtime, "SQL_ERROR", str(error), rowtime, "", pump.name)]))
            return []
        finally:
            self.db.execute(f"DELETE FROM {table}")
            if pump.joined:
                self.db.execute(f"DELETE FROM {_quoted(pump.joined)}")
        targets = self.targets[pump.name]
        if history is not None:  # the hidden columns: each row's id and ROWTIME
            written = [(value[1], value[HIDDEN:]) for value in sorted(fetched, key=lambda v: v[0])  # arrival order
                       if value[0] > first_new]
        else:
            written = [(rowtime, value) for value in fetched]
        selected = selected[HIDDEN:] if history is not None else selected
        out = []
        for when_written, value in written:
            row = dict(zip(targets, value, strict=True))
            given = dict(zip(selected, value, strict=True)).get("ROWTIME")
            row["ROWTIME"] = given if isinstance(given, datetime) else when_written
            out.append(row)
        return out
