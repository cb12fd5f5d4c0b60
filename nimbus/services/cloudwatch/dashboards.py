"""Dashboards: PutDashboard with the body checked as CloudWatch checks it (a JSON object whose ``widgets``
each have a type, and a position and size within the 24-column grid), GetDashboard, ListDashboards,
DeleteDashboards."""
from __future__ import annotations

from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import dashboards_ns
from nimbus.services.cloudwatch.documents import DASHBOARD, Dashboard
from nimbus.services.cloudwatch.tagging import TaggingOps

WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
GRID_WIDTH = 24
PAGE = 1000


def _message(path: str, text: str) -> dict[str, str]:
    return {"DataPath": path, "Message": text}


def validation_messages(body: str) -> list[dict[str, str]]:
    """What is wrong with a dashboard body, as DashboardValidationMessages lists it."""
    try:
        parsed = read_json(body)
    except ValueError:
        return [_message("", "The field DashboardBody must be a valid JSON object")]
    if not isinstance(parsed, dict):
        return [_message("", "The field DashboardBody must be a valid JSON object")]
    widgets = parsed.get("widgets")
    if not isinstance(widgets, list):
        return [_message("/widgets", "Should be of type 'array'")] if "widgets" in parsed else [
            _message("", "Should have required property 'widgets'")]
    messages = []
    for i, widget in enumerate(widgets):
        where = f"/widgets/{i}"
        if not isinstance(widget, dict):
            messages.append(_message(where, "Should be of type 'object'"))
            continue
        if widget.get("type") not in WIDGET_TYPES:
            messages.append(_message(f"{where}/type", "Should be equal to one of the allowed values "
                                     f"{list(WIDGET_TYPES)}" if "type" in widget else
                                     "Should have required property 'type'"))
        for field, low, high in (("x", 0, GRID_WIDTH - 1), ("width", 1, GRID_WIDTH), ("y", 0, None),
                                 ("height", 1, 1000)):
            value = widget.get(field)
            if value is None:
                continue
            if not isinstance(value, int) or value < low or (high is not None and value > high):
                messages.append(_message(f"{where}/{field}", f"Should be an integer between {low} and "
                                         f"{high if high is not None else 'any'}"))
        properties = widget.get("properties")
        if widget.get("type") == "metric" and isinstance(properties, dict):
            if not (properties.get("metrics") or properties.get("query")):
                messages.append(_message(f"{where}/properties", "Should have required property 'metrics'"))
            elif isinstance(properties.get("metrics"), list) and not properties.get("region") \
                    and not parsed.get("region"):
                messages.append(_message(f"{where}/properties", "Should have required property 'region'"))
        elif widget.get("type") in ("metric", "text", "log", "alarm") and not isinstance(properties, dict):
            messages.append(_message(f"{where}", "Should have required property 'properties'"))
    return messages


class DashboardOps(TaggingOps):
    def put_dashboard(self, ctx: RequestContext, params: dict) -> dict:
        body = params["DashboardBody"]
        messages = validation_messages(body)
        if messages:
            raise ServiceError("InvalidParameterInput", "The input for the dashboard is invalid.",
                               dashboardValidationMessages=messages)
        name = params["DashboardName"]
        arn = f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{name}"
        DASHBOARD.put(self.store, dashboards_ns(ctx.account_id, ctx.region), name, Dashboard(
            DashboardName=name, DashboardArn=arn, DashboardBody=body, LastModified=self.clock.time(),
            Size=len(body.encode())))
        if params.get("Tags"):
            self.add_tags(ctx, arn, params["Tags"])
        return {"DashboardValidationMessages": []}

    def get_dashboard(self, ctx: RequestContext, params: dict) -> dict:
        dashboard = DASHBOARD.get(self.store, dashboards_ns(ctx.account_id, ctx.region), params["DashboardName"])
        if dashboard is None:
            raise ServiceError("ResourceNotFound", "Dashboard does not exist")
        return {k: dashboard[k] for k in ("DashboardArn", "DashboardBody", "DashboardName")}  # type: ignore[literal-required]

    def list_dashboards(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("DashboardNamePrefix") or ""
        found = DASHBOARD.scan(self.store, dashboards_ns(ctx.account_id, ctx.region), prefix,
                               start_after=params.get("NextToken"), limit=PAGE + 1)
        entries: list[dict[str, Any]] = [
            {"DashboardName": d["DashboardName"], "DashboardArn": d["DashboardArn"],
             "LastModified": timestamp(d["LastModified"]), "Size": d["Size"]} for _, d in found[:PAGE]]
        out: dict = {"DashboardEntries": entries}
        if len(found) > PAGE:
            out["NextToken"] = found[PAGE - 1][0]
        return out

    def delete_dashboards(self, ctx: RequestContext, params: dict) -> dict:
        ns = dashboards_ns(ctx.account_id, ctx.region)
        names = params["DashboardNames"]
        missing = [n for n in names if DASHBOARD.get(self.store, ns, n) is None]
        if missing:
            raise ServiceError("ResourceNotFound", f"The specified dashboard does not exist. [{', '.join(missing)}]")
        with self.store.transaction():
            for name in names:
                self.store.delete(ns, name)
                self.drop_tags(ctx, f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{name}")
        return {}
