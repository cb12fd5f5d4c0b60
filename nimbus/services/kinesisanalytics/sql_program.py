"""The application code of a SQL application, read into in-application streams and pumps.

The dialect's statements nimbus runs: ``CREATE [OR REPLACE] STREAM name (columns)`` and
``CREATE OR REPLACE PUMP name AS INSERT INTO stream [(columns)] SELECT STREAM ... FROM stream ...``.
A pump's query is handed to DuckDB with the streaming words translated: ``SELECT STREAM`` is a
``SELECT``, ``STEP(ROWTIME BY INTERVAL 'n' UNIT)`` is ``time_bucket``, ``FLOOR(ROWTIME TO UNIT)`` is
``date_trunc``. A ``GROUP BY`` on one of those is a tumbling window of that size; any other
``GROUP BY`` would never close on a stream and is refused, as Kinesis Analytics refuses it. Constructs
nimbus does not run are refused with ``CodeValidationException``, never answered wrongly. The analytic
functions (``FROM TABLE(RANDOM_CUT_FOREST(CURSOR(...)))``) become a hidden pump (``analytic.py``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesisanalytics import analytic

IDENT = r'(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)'
UNITS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}
_STREAM = re.compile(rf'^CREATE\s+(?:OR\s+REPLACE\s+)?STREAM\s+({IDENT})\s*\((.*)\)\s*'
                     r"(?:DESCRIPTION\s+'[^']*')?$", re.I | re.S)
_PUMP = re.compile(rf'^CREATE\s+(?:OR\s+REPLACE\s+)?PUMP\s+({IDENT})\s+(?:STOPPED\s+)?AS\s+INSERT\s+INTO\s+'
                   rf'({IDENT})\s*(\((?:[^()]*)\))?\s*(SELECT\b.*)$', re.I | re.S)
_STEP = re.compile(r"STEP\s*\(\s*(.+?)\s+BY\s+INTERVAL\s+'(\d+)'\s+(SECOND|MINUTE|HOUR|DAY)S?\s*\)", re.I | re.S)
_FLOOR = re.compile(r"FLOOR\s*\(\s*([^()]+?)\s+TO\s+(SECOND|MINUTE|HOUR|DAY)\s*\)", re.I)
_JOIN = re.compile(rf"\bJOIN\s+({IDENT})", re.I)
_CLAUSE = r"(?:WHERE|WINDOW|GROUP|HAVING|ORDER|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|ON|UNION|LIMIT)\b"
_FROM = re.compile(rf'\bFROM\s+({IDENT})(\s+(?:AS\s+)?(?!{_CLAUSE})[A-Za-z_]\w*)?\s*(,|\b(?:JOIN|INNER|LEFT|CROSS)\b)?',
                   re.I)
_STAGGER = re.compile(r"WINDOWED\s+BY\s+STAGGER\s*\(\s*PARTITION\s+BY\s+(.+?)\s+RANGE\s+INTERVAL\s+'(\d+)'\s+"
                      r"(SECOND|MINUTE|HOUR|DAY)S?\s*\)\s*$", re.I | re.S)
_STREAM_JOIN = re.compile(rf"\bJOIN\s+({IDENT})\s+OVER\s*\(\s*RANGE\s+INTERVAL\s+'(\d+)'\s+"
                          r"(SECOND|MINUTE|HOUR|DAY)S?\s+PRECEDING\s*\)", re.I)
_RANGE = re.compile(r"RANGE\s+INTERVAL\s+'(\d+)'\s+(SECOND|MINUTE|HOUR|DAY)S?\s+PRECEDING", re.I)
HIDDEN = 2  # the columns a sliding window's query selects first: the row's id and ROWTIME
UNSUPPORTED = [(re.compile(r"\bROWS\s+\d+\s+PRECEDING\b", re.I), "row-based sliding windows")]


def code_error(message: str) -> ServiceError:
    return ServiceError("CodeValidationException", message)


def unquote(name: str) -> str:
    """A quoted identifier keeps its case; an unquoted one is upper case, as SQL says."""
    return name[1:-1] if name.startswith('"') else name.upper()


def statements(code: str) -> list[tuple[int, str]]:
    """(offset, text) of each statement, split at semicolons outside quotes, comments dropped."""
    out: list[tuple[int, str]] = []
    start, i, quote = 0, 0, ""
    cleaned = list(code)
    while i < len(code):
        ch = code[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif code.startswith("--", i):
            end = code.find("\n", i)
            end = len(code) if end < 0 else end
            cleaned[i:end] = " " * (end - i)
            i = end
            continue
        elif ch == ";":
            out.append((start, "".join(cleaned[start:i])))
            start = i + 1
        i += 1
    out.append((start, "".join(cleaned[start:])))
    return [(offset + len(text) - len(text.lstrip()), text.strip()) for offset, text in out if text.strip()]


def position(code: str, offset: int) -> str:
    line = code.count("\n", 0, offset) + 1
    column = offset - (code.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


@dataclass
class Pump:
    name: str
    target: str
    columns: list[str] | None
    source: str
    query: str  # DuckDB SQL over a table named as the source stream
    window_seconds: int | None  # a tumbling window's size; None for a row-by-row pump
    sliding_seconds: int | None = None  # the longest RANGE of a sliding window's query
    stagger_seconds: int | None = None  # a stagger window's RANGE: it closes that long after its first row
    partition: str = ""  # a stagger window's PARTITION BY expressions (DuckDB SQL)
    joined: str = ""  # the stream a stream-to-stream join reads over a window
    join_seconds: int | None = None  # how far back that window reaches
    analytic: tuple[str, dict] | None = None  # the function a cursor pump feeds, with its arguments


@dataclass
class Program:
    streams: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # name -> [(column, type)]
    pumps: list[Pump] = field(default_factory=list)


def _columns(text: str, code: str, offset: int) -> list[tuple[str, str]]:
    columns = []
    depth, part = 0, ""
    for ch in text + ",":
        if ch == "," and depth == 0:
            pieces = part.strip().split(None, 1)
            if len(pieces) != 2:
                raise code_error(f"Invalid column definition '{part.strip()}' at {position(code, offset)}.")
            columns.append((unquote(pieces[0]), pieces[1].strip()))
            part = ""
            continue
        depth += (ch == "(") - (ch == ")")
        part += ch
    return columns


def _floors(sql: str) -> str:
    return _FLOOR.sub(lambda m: f"date_trunc('{m.group(2).lower()}', {m.group(1)})", sql)


def translate(select: str, code: str, offset: int, tables: frozenset[str] = frozenset()) -> dict:
    """The Pump members of a ``SELECT STREAM`` query: its source stream, DuckDB query and window."""
    staggered: dict = {}  # the members of a stagger window or a stream-to-stream join
    stagger = _STAGGER.search(select)
    if stagger:  # WINDOWED BY STAGGER (PARTITION BY keys RANGE ...): a GROUP BY keys per window
        staggered = {"stagger_seconds": int(stagger.group(2)) * UNITS[stagger.group(3).upper()],
                 "partition": _floors(stagger.group(1))}
        select = f"{select[:stagger.start()]} GROUP BY {stagger.group(1)}"
    stream_join = _STREAM_JOIN.search(select)
    if stream_join:  # JOIN other OVER (RANGE ... PRECEDING): the other stream's recent rows, as a table
        staggered.update(joined=unquote(stream_join.group(1)),
                         join_seconds=int(stream_join.group(2)) * UNITS[stream_join.group(3).upper()])
        select = f"{select[:stream_join.start()]}JOIN {stream_join.group(1)}{select[stream_join.end():]}"
    for pattern, what in UNSUPPORTED:
        refused = pattern.search(select)
        if refused:
            raise code_error(f"{what} are not supported by nimbus yet (at "
                             f"{position(code, offset + refused.start())}).")
    froms = list(re.finditer(r"\bFROM\b", re.sub(r"'[^']*'", "''", select), re.I))
    if len(froms) > 1:  # a subquery would read a stream's table as empty: a wrong answer
        raise code_error(f"subqueries are not supported by nimbus yet (at {position(code, offset + froms[1].start())}).")
    source = _FROM.search(select)
    if source is None:
        raise code_error(f"A pump's query needs a FROM stream (at {position(code, offset)}).")
    if source.group(3) == ",":
        raise code_error(f"joins are not supported by nimbus yet (at {position(code, offset + source.start(3))}).")
    for joined in _JOIN.finditer(select):
        if unquote(joined.group(1)) not in tables | {staggered.get("joined")}:  # a stream needs its window
            raise code_error(f"a join of two streams needs OVER (RANGE INTERVAL ... PRECEDING) (at "
                             f"{position(code, offset + joined.start())}).")
    window = None
    group = re.search(r"\bGROUP\s+BY\b(.*)$", select, re.I | re.S)
    if group and not stagger:
        steps = _STEP.findall(group.group(1))
        floors = _FLOOR.findall(group.group(1))
        sizes = [int(n) * UNITS[unit.upper()] for _, n, unit in steps if "ROWTIME" in _.upper()] + \
                [UNITS[unit.upper()] for expr, unit in floors if "ROWTIME" in expr.upper()]
        if not sizes:
            raise code_error("A streaming GROUP BY needs a window on ROWTIME (STEP or FLOOR) so that its "
                             f"groups close (at {position(code, offset + group.start())}).")
        window = min(sizes)
    ranges = [int(n) * UNITS[unit.upper()] for n, unit in _RANGE.findall(select)]
    over = re.search(r"\b(OVER|WINDOW)\b", select, re.I)
    if over and not ranges:
        raise code_error("A streaming window needs a frame of RANGE INTERVAL '<n>' <unit> PRECEDING (at "
                         f"{position(code, offset + over.start())}).")
    query = re.sub(r"^SELECT\s+STREAM\b", "SELECT", select, flags=re.I)
    query = _STEP.sub(lambda m: f"time_bucket(INTERVAL '{m.group(2)} {m.group(3).lower()}', {m.group(1)})", query)
    query = _floors(query)
    if ranges:
        query = _RANGE.sub(lambda m: f"ORDER BY ROWTIME RANGE BETWEEN INTERVAL '{m.group(1)} {m.group(2).lower()}' "
                                     "PRECEDING AND CURRENT ROW", query)
        table = (source.group(2) or "").split()[-1] if source.group(2) else source.group(1)
        query = re.sub(r"^SELECT\b", f'SELECT {table}.rowid AS "__nimbus_rowid", {table}.ROWTIME AS '
                                      '"__nimbus_rowtime",', query, flags=re.I)
    return {"source": unquote(source.group(1)), "query": query, "window_seconds": window,
            "sliding_seconds": max(ranges) if ranges else None, **staggered}


def parse(code: str, tables: frozenset[str] = frozenset()) -> Program:
    """The program of ``code``; ``tables`` are the reference tables a pump may join."""
    program = Program()
    for offset, text in statements(code):
        stream = _STREAM.match(text)
        pump = _PUMP.match(text)
        if stream:
            program.streams[unquote(stream.group(1))] = _columns(stream.group(2), code, offset)
        elif pump:
            columns = [unquote(c.strip()) for c in pump.group(3)[1:-1].split(",")] if pump.group(3) else None
            name, select = unquote(pump.group(1)), _cursor_pump(program, unquote(pump.group(1)), pump.group(4),
                                                                 code, offset + pump.start(4), tables)
            if not re.match(r"SELECT\s+STREAM\b", select, re.I):
                raise code_error(f"A pump inserts the rows of a SELECT STREAM (at {position(code, offset + pump.start(4))}).")
            program.pumps.append(Pump(name, unquote(pump.group(2)), columns,
                                      **translate(select, code, offset + pump.start(4), tables)))
        else:
            word = text.split(None, 1)[0]
            raise code_error(f"SQL error at {position(code, offset)}: unexpected '{word}'; expected CREATE STREAM "
                             "or CREATE OR REPLACE PUMP.")
    return program


def cursor_stream(pump: str) -> str:
    """The hidden stream an analytic function's cursor fills for ``pump``."""
    return f"__NIMBUS_{pump}_CURSOR"


def _cursor_pump(program: Program, name: str, select: str, code: str, offset: int, tables: frozenset[str]) -> str:
    """A query reading ``TABLE(function(CURSOR(...), ...))``: a hidden pump runs the cursor's query into a
    stream that the function's columns are added to, and the query reads that stream instead."""
    try:
        call = analytic.find(select)
    except analytic.AnalyticError as error:
        raise code_error(f"{error} (at {position(code, offset + error.offset)}).") from None
    if call is None:
        return select
    cursor_at = offset + select.index(call.cursor, call.start)
    cursor = translate(call.cursor, code, cursor_at, tables)
    if any(cursor.get(k) for k in ("window_seconds", "sliding_seconds", "stagger_seconds", "joined")):
        raise code_error(f"The CURSOR of {call.function} must read its stream row by row (at {position(code, cursor_at)}).")
    hidden = cursor_stream(name)
    program.pumps.append(Pump(f"{name}__CURSOR", hidden, None, analytic=(call.function, call.arguments), **cursor))
    replaced = f'"{hidden}"'.ljust(call.end - call.start)  # the same length: later positions stay true
    select = select[:call.start] + replaced + select[call.end:]
    return re.sub(r"^SELECT\s+(?!STREAM\b)", "SELECT STREAM ", select, flags=re.I)
