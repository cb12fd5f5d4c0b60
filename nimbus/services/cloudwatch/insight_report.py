"""GetInsightRuleReport over real log events: a Contributor Insights rule's log groups (a trailing ``*`` a
prefix) are read through CloudWatch Logs (FilterLogEvents, as the rule's account), each event parsed as JSON
(keys are ``$.a.b`` paths) or CLF (``Fields`` names whitespace-separated positions, from 1), kept when every
``Filters`` condition holds, and counted (``AggregateOn: Count``) or summed (``Sum`` of ``ValueOf``) per
contributor, the combination of its ``Keys`` values, and per period."""
from __future__ import annotations

import json
import math
from collections import defaultdict
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.identity import root_principal
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError

DEFAULT_CONTRIBUTORS = 10
Event = dict[str, Any]


def _fields(rule: dict[str, Any], message: str) -> Event | None:
    if rule.get("LogFormat", "JSON") == "CLF":
        words = message.split()
        names = rule.get("Fields") or {}
        return {name: words[int(pos) - 1] for pos, name in names.items()
                if str(pos).isdigit() and 0 < int(pos) <= len(words)}
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _value(event: Event, path: str) -> Any:
    node: Any = event
    for part in path.removeprefix("$.").split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _holds(condition: dict[str, Any], event: Event) -> bool:
    value = _value(event, condition.get("Match", ""))
    if "IsPresent" in condition:
        return (value is not None) == bool(condition["IsPresent"])
    if value is None:
        return False
    if "In" in condition:
        return value in condition["In"] or str(value) in map(str, condition["In"])
    if "NotIn" in condition:
        return value not in condition["NotIn"] and str(value) not in map(str, condition["NotIn"])
    if "StartsWith" in condition:
        return any(str(value).startswith(str(p)) for p in condition["StartsWith"])
    number = _number(value)
    for op, test in (("EqualTo", lambda a, b: a == b), ("NotEqualTo", lambda a, b: a != b),
                     ("GreaterThan", lambda a, b: a > b), ("LessThan", lambda a, b: a < b)):
        if op in condition:
            given = _number(condition[op])
            return number is not None and given is not None and test(number, given)
    return True


def _log_groups(ctx: RequestContext, rule: dict[str, Any]) -> list[str]:
    names = list(rule.get("LogGroupNames") or []) + [arn.split(":log-group:", 1)[-1].removesuffix(":*")
                                                     for arn in rule.get("LogGroupARNs") or []]
    found: list[str] = []
    for name in names:
        if not name.endswith("*"):
            found.append(name)
            continue
        token = None
        while True:
            page = _logs(ctx, "DescribeLogGroups", {"logGroupNamePrefix": name[:-1],
                                                    **({"nextToken": token} if token else {})})
            found += [g["logGroupName"] for g in page.get("logGroups", [])]
            if not (token := page.get("nextToken")):
                break
    return found


def _logs(ctx: RequestContext, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    return ctx.runtime.client.call("logs", operation, params, account_id=ctx.account_id, region=ctx.region,
                                   principal=root_principal(ctx.account_id), invoked_by="cloudwatch.amazonaws.com")


def _events(ctx: RequestContext, group: str, start: float, end: float):
    token = None
    while True:
        try:
            page = _logs(ctx, "FilterLogEvents", {"logGroupName": group, "startTime": int(start * 1000),
                                                  "endTime": int(end * 1000) - 1,
                                                  **({"nextToken": token} if token else {})})
        except ServiceError:  # a group that does not exist (yet) contributes nothing, as in AWS
            return
        yield from page.get("events", [])
        if not (token := page.get("nextToken")):
            return


def report(ctx: RequestContext, definition: str, params: dict[str, Any]) -> dict[str, Any]:
    rule = json.loads(definition)
    contribution = rule.get("Contribution") or {}
    keys, value_of = contribution.get("Keys") or [], contribution.get("ValueOf")
    conditions = contribution.get("Filters") or []
    start, end = epoch(params["StartTime"]) or 0.0, epoch(params["EndTime"]) or 0.0
    period = params["Period"]
    per: dict[tuple[str, ...], dict[float, float]] = defaultdict(lambda: defaultdict(float))
    samples: dict[float, list[float]] = defaultdict(list)
    for group in _log_groups(ctx, rule):
        for raw in _events(ctx, group, start, end):
            event = _fields(rule, raw.get("message", ""))
            if event is None or not all(_holds(c, event) for c in conditions):
                continue
            found = [_value(event, k) for k in keys]
            value = 1.0 if rule.get("AggregateOn") == "Count" else _number(_value(event, value_of or ""))
            if any(v is None for v in found) or value is None:
                continue
            bucket = start + (raw["timestamp"] / 1000 - start) // period * period
            per[tuple(str(v) for v in found)][bucket] += value
            samples[bucket].append(value)
    ranked = sorted(per.items(), key=lambda item: -sum(item[1].values()))
    limit = params.get("MaxContributorCount") or DEFAULT_CONTRIBUTORS
    out: dict[str, Any] = {
        "KeyLabels": keys, "AggregationStatistic": rule.get("AggregateOn", "Count"),
        "AggregateValue": float(sum(sum(b.values()) for b in per.values())), "ApproximateUniqueCount": len(per),
        "Contributors": [{"Keys": list(k), "ApproximateAggregateValue": float(sum(b.values())),
                          "Datapoints": [{"Timestamp": timestamp(t), "ApproximateValue": v}
                                         for t, v in sorted(b.items())]} for k, b in ranked[:limit]],
        "MetricDatapoints": []}
    wanted = params.get("Metrics") or []
    for bucket in sorted(samples) if wanted else []:
        values = samples[bucket]
        stats = {"UniqueContributors": float(sum(1 for b in per.values() if bucket in b)),
                 "MaxContributorValue": max(b.get(bucket, 0.0) for b in per.values()),
                 "SampleCount": float(len(values)), "Sum": sum(values), "Minimum": min(values),
                 "Maximum": max(values), "Average": sum(values) / len(values)}
        out["MetricDatapoints"].append({"Timestamp": timestamp(bucket),
                                        **{k: v for k, v in stats.items() if k in wanted}})
    return out
