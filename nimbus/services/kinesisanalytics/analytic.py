"""The dialect's analytic functions, read from a pump's query and run over its cursor's rows.

AWS writes them as a table function over a cursor:
``SELECT STREAM ... FROM TABLE(RANDOM_CUT_FOREST(CURSOR(SELECT STREAM ... FROM "SOURCE_SQL_STREAM_001"),
100, 256, 100000, 1))``. nimbus runs one as a hidden pump: the cursor's query reads the source stream
row by row into a hidden stream, the function adds its column to each row (ANOMALY_SCORE,
ANOMALY_EXPLANATION, HOTSPOTS_RESULT), and the pump's own query reads that stream like any other (so it
may filter, window or aggregate the scores). Only the cursor's numeric columns feed the algorithm, as
AWS says; the others pass through.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from nimbus.services.kinesisanalytics.hotspots import Hotspots
from nimbus.services.kinesisanalytics.random_cut_forest import RandomCutForest

FUNCTION = re.compile(r"\bTABLE\s*\(\s*(RANDOM_CUT_FOREST_WITH_EXPLANATION|RANDOM_CUT_FOREST|HOTSPOTS)\s*\(\s*"
                      r"CURSOR\s*\(", re.I)
NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "REAL", "DOUBLE")
MAX_INT = 2**31 - 1
# each function's parameters after the cursor: (name, kind, lowest, highest, default)
PARAMETERS: dict[str, list[tuple[str, type, float, float, Any]]] = {
    "RANDOM_CUT_FOREST": [("numberOfTrees", int, 1, 1000, 100), ("subSampleSize", int, 10, 1000, 256),
                          ("timeDecay", int, 1, MAX_INT, 100000), ("shingleSize", int, 1, 30, 1)],
    "HOTSPOTS": [("windowSize", int, 100, 1000, None), ("scanRadius", float, 0, float("inf"), None),
                 ("minimumNumberOfPointsInAHotspot", int, 2, 1000, None)],
}
PARAMETERS["RANDOM_CUT_FOREST_WITH_EXPLANATION"] = [*PARAMETERS["RANDOM_CUT_FOREST"],
                                                    ("withDirectionality", bool, 0, 1, False)]
OUTPUTS = {"RANDOM_CUT_FOREST": [("ANOMALY_SCORE", "DOUBLE")],
           "RANDOM_CUT_FOREST_WITH_EXPLANATION": [("ANOMALY_SCORE", "DOUBLE"), ("ANOMALY_EXPLANATION", "VARCHAR")],
           "HOTSPOTS": [("HOTSPOTS_RESULT", "VARCHAR")]}


class AnalyticError(ValueError):
    """A call the dialect refuses; ``offset`` is where in the query."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass
class Call:
    function: str
    arguments: dict[str, Any]
    cursor: str  # the cursor's SELECT STREAM query
    start: int  # the span of TABLE(...) in the query
    end: int


def _closing(text: str, start: int) -> int:
    """The index of the parenthesis closing the one open before ``start``."""
    depth, quote = 1, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise AnalyticError("Unbalanced parentheses in the table function's call", start)


def _value(text: str, kind: type, name: str, offset: int) -> Any:
    try:
        if kind is bool:
            if text.upper() not in ("TRUE", "FALSE"):
                raise ValueError(text)
            return text.upper() == "TRUE"
        return kind(float(text)) if kind is int and float(text).is_integer() else kind(text)
    except ValueError:
        raise AnalyticError(f"Invalid value {text} for parameter {name}", offset) from None


def find(select: str) -> Call | None:
    """The analytic function the query reads from, with its arguments checked, or None."""
    found = FUNCTION.search(select)
    if found is None:
        return None
    function = found.group(1).upper()
    cursor_end = _closing(select, found.end())
    call_end = _closing(select, cursor_end + 1)
    table_end = _closing(select, call_end + 1)
    rest = select[cursor_end + 1:call_end].strip()
    given = [a.strip() for a in rest.lstrip(",").split(",")] if rest else []
    specs = PARAMETERS[function]
    if len(given) > len(specs) or (function == "HOTSPOTS" and len(given) != len(specs)):
        raise AnalyticError(f"{function} takes a cursor and {len(specs)} parameters "
                            f"({', '.join(s[0] for s in specs)})", found.start())
    arguments = {}
    for (name, kind, lowest, highest, default), text in zip(specs, given + [None] * (len(specs) - len(given)),
                                                           strict=True):
        value = default if text is None or text.upper() == "NULL" else _value(text, kind, name, found.start())
        if value is None:
            raise AnalyticError(f"Parameter {name} of {function} is required", found.start())
        if kind is not bool and (value > highest or (value <= lowest if kind is float else value < lowest)):
            raise AnalyticError(f"Parameter {name} of {function} must be between {lowest} and {highest}, "
                                f"not {value}", found.start())
        arguments[name] = value
    if function == "HOTSPOTS" and arguments["minimumNumberOfPointsInAHotspot"] > arguments["windowSize"]:
        raise AnalyticError("minimumNumberOfPointsInAHotspot must not exceed windowSize", found.start())
    return Call(function, arguments, select[found.end():cursor_end].strip(), found.start(), table_end + 1)


def numeric(sql_type: str) -> bool:
    return sql_type.upper().split("(")[0].strip() in NUMERIC


class Analytic:
    """One pump's function, with its model: it adds the function's columns to each row, in order."""

    def __init__(self, function: str, arguments: dict[str, Any], columns: list[str], seed: str):
        self.function, self.columns = function, columns
        self.directional = bool(arguments.get("withDirectionality"))
        if function == "HOTSPOTS":
            self.hotspots = Hotspots(arguments["windowSize"], arguments["scanRadius"],
                                     arguments["minimumNumberOfPointsInAHotspot"])
        else:
            self.forest = RandomCutForest(arguments["numberOfTrees"], arguments["subSampleSize"],
                                          arguments["timeDecay"], arguments["shingleSize"], seed)

    def apply(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            values = [float(row[c]) if row.get(c) is not None else 0.0 for c in self.columns]
            if self.function == "HOTSPOTS":
                out.append({**row, "HOTSPOTS_RESULT": self.hotspots.update(values)})
                continue
            score, high, low = self.forest.update(values)
            added: dict[str, Any] = {"ANOMALY_SCORE": score}
            if self.function == "RANDOM_CUT_FOREST_WITH_EXPLANATION":
                added["ANOMALY_EXPLANATION"] = self._explain(high, low)
            out.append({**row, **added})
        return out

    def _explain(self, high: list[float], low: list[float]) -> str:
        explained = {}
        for column, up, down in zip(self.columns, high, low, strict=True):
            entry = {"ATTRIBUTION_SCORE": f"{up + down:.4f}"}
            if self.directional:  # the side that holds more of the column's attribution, and by how much
                entry.update(DIRECTION="HIGH" if up >= down else "LOW", STRENGTH=f"{abs(up - down):.4f}")
            explained[column] = entry
        return json.dumps(explained)
