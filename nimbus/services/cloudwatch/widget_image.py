"""GetMetricWidgetImage's drawing: a metric widget (the JSON a dashboard's metric widget holds) turned into
MetricDataQueries, run, and drawn as a PNG by matplotlib's Agg backend (no display, no pyplot state), at the
widget's width and height in pixels."""
from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from nimbus.core.json_text import read_json
from nimbus.services.cloudwatch.common import duration_seconds, invalid
from nimbus.services.cloudwatch.queries import Runner

DPI = 100
DEFAULT_SIZE = (600, 395)
MAX_SIZE = 2000
_LOCK = threading.Lock()  # matplotlib's font cache and text layout are shared state


def _num(epoch: float) -> float:
    """matplotlib's date number of epoch seconds."""
    return float(date2num(datetime.fromtimestamp(epoch, tz=UTC)))


def _when(value: Any, now: float, parameter: str) -> float:
    """A widget time: a relative ISO 8601 duration (``-PT3H``, ``P0D``) or an absolute timestamp."""
    if value is None:
        return now
    text = str(value)
    if (span := duration_seconds(text.removeprefix("-"))) is not None:
        return now - span
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise invalid(f"The value {text} for parameter MetricWidget.{parameter} is invalid.") from None


def widget_queries(widget: dict[str, Any]) -> list[dict[str, Any]]:
    """The widget's ``metrics`` rows as MetricDataQueries (``"."`` repeats the row above's value)."""
    rows = widget.get("metrics")
    if not isinstance(rows, list) or not rows:
        raise invalid("The parameter MetricWidget.metrics is required and must be a non-empty list.")
    queries: list[dict[str, Any]] = []
    previous: list[Any] = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, list):
            raise invalid(f"The value of MetricWidget.metrics[{n - 1}] must be a list.")
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        values = [previous[i] if v == "." and i < len(previous) else v
                  for i, v in enumerate(row[:-1] if options else row)]
        previous = values
        query_id = str(options.get("id") or f"m{n}")
        query: dict[str, Any] = {"Id": query_id, "ReturnData": options.get("visible", True)}
        if options.get("label"):
            query["Label"] = str(options["label"])
        if "expression" in options:
            query["Expression"] = str(options["expression"])
        else:
            if len(values) < 2 or len(values) % 2:
                raise invalid(f"The value of MetricWidget.metrics[{n - 1}] must be a namespace, a metric name "
                              "and dimension name and value pairs.")
            dims = [{"Name": str(values[i]), "Value": str(values[i + 1])} for i in range(2, len(values), 2)]
            period = options.get("period") or widget.get("period") or 300
            if not isinstance(period, int) or period < 1:
                raise invalid(f"The period of MetricWidget.metrics[{n - 1}] must be a positive number of seconds.")
            query["MetricStat"] = {"Metric": {"Namespace": str(values[0]), "MetricName": str(values[1]),
                                              "Dimensions": dims},
                                   "Period": period, "Stat": str(options.get("stat") or widget.get("stat") or "Average")}
        queries.append(query)
    return queries


def draw(runner: Runner, widget_json: str, now: float) -> bytes:
    try:
        widget = read_json(widget_json)
    except ValueError:
        raise invalid("The parameter MetricWidget must be a valid JSON object.") from None
    if not isinstance(widget, dict):
        raise invalid("The parameter MetricWidget must be a valid JSON object.")
    width, height = (widget.get(k) or default for k, default in zip(("width", "height"), DEFAULT_SIZE, strict=True))
    if not all(isinstance(v, int) and 1 <= v <= MAX_SIZE for v in (width, height)):
        raise invalid(f"The widget width and height must be between 1 and {MAX_SIZE} pixels.")
    start, end = _when(widget.get("start", "-PT3H"), now, "start"), _when(widget.get("end"), now, "end")
    if start >= end:
        raise invalid("The widget start must be before its end.")
    results = [r for r in runner.run(widget_queries(widget), start, end) if r.return_data]
    with _LOCK:
        figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        for result in results:
            points = sorted(result.values.items())
            times = [_num(t) for t, _ in points]
            axes.plot(times, [v for _, v in points], label=result.label, marker="." if len(points) < 3 else None)
        annotations = widget.get("annotations")
        for line in (annotations.get("horizontal") or [] if isinstance(annotations, dict) else []):
            if isinstance(line, dict) and isinstance(line.get("value"), int | float):
                axes.axhline(line["value"], linestyle="--", color=line.get("color") or "#d62728",
                             label=line.get("label"))
        axes.set_xlim(_num(start), _num(end))
        axes.xaxis_date(tz=UTC)
        if widget.get("title"):
            axes.set_title(str(widget["title"]))
        legend = widget.get("legend")
        if results and not (isinstance(legend, dict) and legend.get("position") == "hidden"):
            axes.legend(loc="upper left", fontsize="small")
        figure.autofmt_xdate()
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
