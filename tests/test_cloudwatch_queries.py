"""GetMetricData: MetricStat queries, metric math (arithmetic, reductions, METRICS(), FILL, RATE, DIFF, IF,
RUNNING_SUM, PERIOD, ANOMALY_DETECTION_BAND), Metrics Insights queries, labels, ScanBy, errors; and a
metric-math alarm."""
from __future__ import annotations

import io
import json
from datetime import timedelta
from math import isclose

import pytest
from PIL import Image

from tests.support import advance_clock, error_of, unique, virtual_now


@pytest.fixture(scope="module")
def series(aws, endpoint):
    """Two hosts' request counts over five minutes: a = 1,2,3,4,5 and b = 10,20,30,40,50."""
    cw, namespace = aws("cloudwatch"), unique("Web")
    start = virtual_now(endpoint).replace(second=0, microsecond=0) - timedelta(minutes=10)
    for minute in range(5):
        cw.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": "Requests", "Dimensions": [{"Name": "Host", "Value": host}],
             "Timestamp": start + timedelta(minutes=minute), "Value": scale * (minute + 1)}
            for host, scale in (("a", 1), ("b", 10))])
    return namespace, start


def stat(namespace, host, query_id, stat="Sum"):
    return {"Id": query_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": "Requests", "Dimensions": [{"Name": "Host", "Value": host}]},
        "Period": 60, "Stat": stat}}


def run(cw, series, *expressions, scan="TimestampAscending", with_stats=True):
    namespace, start = series
    queries = [stat(namespace, "a", "a"), stat(namespace, "b", "b")] if with_stats else []
    queries += [{"Id": f"e{i}", "Expression": text} for i, text in enumerate(expressions)]
    got = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=start + timedelta(minutes=5),
                             ScanBy=scan)["MetricDataResults"]
    return {r["Id"]: r["Values"] for r in got}, got


def test_metric_stat_and_arithmetic(aws, series):
    cw = aws("cloudwatch")
    values, results = run(cw, series, "a + b", "b / a * 2", "-a ^ 2", "a > 2")
    assert values == {"e0": [11, 22, 33, 44, 55], "e1": [20] * 5, "e2": [-1, -4, -9, -16, -25],
                      "e3": [0, 0, 1, 1, 1]}
    descending, _ = run(cw, series, "a", scan="TimestampDescending")
    assert descending["e0"] == [5, 4, 3, 2, 1]
    assert results[0]["StatusCode"] == "Complete" and len(results[0]["Timestamps"]) == 5


def test_functions(aws, series):
    cw = aws("cloudwatch")
    values, results = run(cw, series, "SUM(METRICS())", "AVG(a)", "MAX(METRICS())",
                          "RATE(a) * 60", "DIFF(b)", "RUNNING_SUM(a)", "IF(a > 3, b, 0)", "PERIOD(a)",
                          "STDDEV(a)", "FILL(REMOVE_EMPTY(METRICS()), 0)")
    assert values["e0"] == [11, 22, 33, 44, 55]
    assert values["e1"] == [3.0] * 5  # a scalar shown at each period
    assert values["e2"] == [10, 20, 30, 40, 50]
    assert values["e3"] == [1, 1, 1, 1] and values["e4"] == [10, 10, 10, 10]
    assert values["e5"] == [1, 3, 6, 10, 15] and values["e6"] == [0, 0, 0, 40, 50]
    assert values["e7"] == [60] * 5
    assert isclose(values["e8"][0], 2 ** 0.5)
    assert [r["Label"] for r in results if r["Id"] == "e9"] == ["Requests", "Requests"]


def test_anomaly_band_and_labels(aws, series):
    cw = aws("cloudwatch")
    namespace, start = series
    queries = [{**stat(namespace, "a", "a"), "ReturnData": True, "Label": "peak ${MAX} last ${LAST}"},
               {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(a, 1)"}]
    got = cw.get_metric_data(MetricDataQueries=queries, StartTime=start,
                             EndTime=start + timedelta(minutes=5))["MetricDataResults"]
    assert got[0]["Label"] == "peak 5 last 5"
    low, high = (r["Values"][0] for r in got[1:])
    assert isclose(low, 3 - 2 ** 0.5) and isclose(high, 3 + 2 ** 0.5)


def test_metrics_insights(aws, series):
    cw = aws("cloudwatch")
    namespace, _ = series
    values, results = run(cw, series, f'SELECT SUM(Requests) FROM SCHEMA("{namespace}", Host) GROUP BY Host '
                                      "ORDER BY SUM() DESC LIMIT 1", with_stats=False)
    assert [(r["Label"], r["Values"]) for r in results] == [("b", [10, 20, 30, 40, 50])]
    values, _ = run(cw, series, f"SELECT MAX(Requests) FROM \"{namespace}\" WHERE Host != 'b'", with_stats=False)
    assert values["e0"] == [1, 2, 3, 4, 5]
    values, _ = run(cw, series, f"SELECT AVG(Requests) FROM \"{namespace}\"", with_stats=False)
    assert values["e0"] == [5.5, 11, 16.5, 22, 27.5]
    assert run(cw, series, f'SELECT COUNT(Requests) FROM SCHEMA("{namespace}")', with_stats=False)[0] == {}
    assert error_of(cw.get_metric_data, MetricDataQueries=[{"Id": "q", "Expression": "SELECT NOPE(x) FROM y"}],
                    StartTime=series[1], EndTime=series[1] + timedelta(minutes=5)) == ("ValidationError", 400)


def test_query_errors(aws, series):
    cw = aws("cloudwatch")
    _, start = series
    end = start + timedelta(minutes=5)
    assert error_of(cw.get_metric_data, MetricDataQueries=[{"Id": "e", "Expression": "a +"}], StartTime=start,
                    EndTime=end) == ("ValidationError", 400)
    assert error_of(cw.get_metric_data, MetricDataQueries=[{"Id": "e", "Expression": "nothing * 2"}],
                    StartTime=start, EndTime=end).message.startswith("Unrecognized metric or expression")
    nothing, _ = run(cw, series, "a / (a - a)")
    assert nothing["e0"] == []  # divisions by zero are left out, not sent as NaN
    assert error_of(cw.get_metric_data, MetricDataQueries=[
        stat(series[0], "a", "a"), stat(series[0], "b", "b"), {"Id": "e", "Expression": "METRICS() * METRICS()"},
        {"Id": "f", "Expression": "LAST(METRICS('zzz'))"}], StartTime=start, EndTime=end) == ("ValidationError", 400)
    deep = "(" * 1000 + "1" + ")" * 1000  # within the model's 2,048 characters: a 400, never a 500
    assert error_of(cw.get_metric_data, MetricDataQueries=[{"Id": "e", "Expression": deep}], StartTime=start,
                    EndTime=end) == ("ValidationError", 400)
    assert error_of(cw.put_composite_alarm, AlarmName=unique("deep"), AlarmRule="NOT " * 2500 + "TRUE") == (
        "InvalidParameterValue", 400)
    assert error_of(cw.get_metric_data, MetricDataQueries=[{"Id": "Upper", "Expression": "1"}], StartTime=start,
                    EndTime=end) == ("ValidationError", 400)
    assert error_of(cw.get_metric_data, MetricDataQueries=[{"Id": "x", "Expression": "y"},
                                                            {"Id": "y", "Expression": "x"}],
                    StartTime=start, EndTime=end).message.startswith("Circular")


def test_metric_math_alarm(aws, endpoint):
    cw, namespace, name = aws("cloudwatch"), unique("Ratio"), unique("error-rate")
    cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold",
                        Metrics=[
                            {"Id": "errors", "ReturnData": False, "MetricStat": {"Metric": {
                                "Namespace": namespace, "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}},
                            {"Id": "total", "ReturnData": False, "MetricStat": {"Metric": {
                                "Namespace": namespace, "MetricName": "Requests"}, "Period": 60, "Stat": "Sum"}},
                            {"Id": "rate", "Expression": "100 * errors / total", "Label": "Error rate"}])
    now = virtual_now(endpoint)  # datapoints of the minute the alarm evaluates next, however slow the machine
    cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Errors", "Value": 3, "Timestamp": now},
                                                        {"MetricName": "Requests", "Value": 20, "Timestamp": now}])
    advance_clock(endpoint, 60 - now.second)
    alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM" and "[15.0" in alarm["StateReason"]
    assert "Period" not in alarm and alarm["Metrics"][2]["Expression"] == "100 * errors / total"


def test_metric_widget_image_is_a_png_chart(aws, series):
    cw = aws("cloudwatch")
    namespace, start = series
    widget = {"width": 640, "height": 320, "start": start.isoformat(), "end": (start + timedelta(minutes=5)).isoformat(),
              "period": 60, "stat": "Sum", "title": "Requests", "metrics": [
                  [namespace, "Requests", "Host", "a"], [".", ".", ".", "b", {"label": "host b"}],
                  [{"expression": "m1 + m2", "label": "total"}]],
              "annotations": {"horizontal": [{"value": 25, "label": "limit"}]}}
    image = cw.get_metric_widget_image(MetricWidget=json.dumps(widget))["MetricWidgetImage"]
    picture = Image.open(io.BytesIO(image))
    assert (picture.format, picture.size) == ("PNG", (640, 320))
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None and len(colours) > 20  # lines, text and axes drawn, not a blank canvas
    assert error_of(cw.get_metric_widget_image, MetricWidget="{") == ("InvalidParameterValue", 400)
    assert error_of(cw.get_metric_widget_image, MetricWidget=json.dumps({"metrics": []})) == (
        "InvalidParameterValue", 400)
    for odd in ({"width": "wide"}, {"period": "often"}, {"start": "yesterday"}):
        assert error_of(cw.get_metric_widget_image, MetricWidget=json.dumps({**widget, **odd})) == (
            "InvalidParameterValue", 400)
    shapeless = {**widget, "legend": "below", "annotations": ["none"]}  # AWS's widgets carry objects here
    assert cw.get_metric_widget_image(MetricWidget=json.dumps(shapeless))["MetricWidgetImage"][:4] == b"\x89PNG"
