"""CloudTrail Lake dashboards: Create, Get, Update, Delete, List and StartDashboardRefresh.

A dashboard is stored and validated; its widgets' queries run on CloudTrail Lake's engine, so without
Lake a refresh is recorded and fails with a reason saying so (``LastRefreshFailureReason``).
"""
from __future__ import annotations

import re
import secrets

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail.channels import listing, tag_list, tags_of, when
from nimbus.services.cloudtrail.documents import DASHBOARD, Dashboard
from nimbus.services.cloudtrail.lake_hooks import hooks_for
from nimbus.services.cloudtrail.state import CloudTrailState, dashboards_ns

DASHBOARD_ARN = re.compile(r"^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):dashboard/([A-Za-z0-9_-]+)$")
STORE_IN_QUERY = re.compile(r"\bFROM\s+([A-Za-z0-9:/_-]+)", re.IGNORECASE)
MAX_DASHBOARDS = 100  # custom dashboards per region
NO_LAKE = "CloudTrail Lake is not served by this nimbus, so the widgets' queries cannot run."


def invalid_query(message: str) -> ServiceError:
    return ServiceError("InvalidQueryStatementException", message, status=400)


def check_widgets(ctx: RequestContext, widgets: list[dict]) -> list[dict]:
    """A widget is a Lake SELECT over an event data store, with one parameter per ``?``."""
    find = hooks_for(ctx.runtime).find_event_data_store
    out = []
    for widget in widgets:
        statement = widget["QueryStatement"].strip()
        if not re.match(r"^SELECT\b", statement, re.IGNORECASE):
            raise invalid_query("A widget's query statement must be a SELECT statement.")
        stores = STORE_IN_QUERY.findall(statement)
        if not stores:
            raise invalid_query("A widget's query statement must name an event data store in its FROM clause.")
        parameters = widget.get("QueryParameters") or []
        if statement.count("?") != len(parameters):
            raise invalid_query(f"The query statement has {statement.count('?')} parameter placeholders (?) but "
                                f"{len(parameters)} QueryParameters were given.")
        if find is not None:
            for store in stores:
                arn = store if store.startswith("arn:") else ctx.arn(f"eventdatastore/{store}", "cloudtrail")
                if find(arn) is None:
                    raise ServiceError("EventDataStoreNotFoundException",
                                       f"The specified event data store {store} was not found.", status=400)
        out.append({k: widget[k] for k in ("QueryStatement", "QueryParameters", "ViewProperties") if k in widget})
    return out


def check_schedule(schedule: dict) -> dict:
    """AWS refreshes custom dashboards every 1, 6 or 12 hours or every day."""
    frequency = schedule.get("Frequency")
    if schedule.get("Status") == "ENABLED" and frequency is None:
        raise ServiceError("ValidationException", "An enabled refresh schedule needs a Frequency.", status=400)
    if frequency is not None and (frequency["Unit"], frequency["Value"]) not in (
            ("HOURS", 1), ("HOURS", 6), ("HOURS", 12), ("DAYS", 1)):
        raise ServiceError("ValidationException", "Frequency must be 1, 6 or 12 HOURS, or 1 DAYS.", status=400)
    return schedule


class DashboardOps(CloudTrailState):
    def _dashboard(self, ctx: RequestContext, ref: str) -> Dashboard:
        match = DASHBOARD_ARN.match(ref)
        name = match.group(3) if match and (match.group(2), match.group(1)) == (ctx.account_id, ctx.region) \
            else (None if match else ref)
        found = DASHBOARD.get(self.store, dashboards_ns(ctx.account_id, ctx.region), name) if name else None
        if found is None:
            raise ServiceError("ResourceNotFoundException", f"The dashboard {ref} was not found.", status=400)
        return found

    def _save_dashboard(self, ctx: RequestContext, doc: Dashboard) -> None:
        DASHBOARD.put(self.store, dashboards_ns(ctx.account_id, ctx.region), doc["Name"], doc)

    @staticmethod
    def _described(doc: Dashboard, *fields: str) -> dict:
        out: dict = {"DashboardArn": doc["DashboardArn"]}
        for field in fields:
            value = doc.get(field)
            if value is None:
                continue
            out[field] = when(value) if field.endswith("Timestamp") else value  # type: ignore[arg-type]
        return out

    def create_dashboard(self, ctx: RequestContext, params: dict) -> dict:
        ns = dashboards_ns(ctx.account_id, ctx.region)
        name = params["Name"]
        if self.store.get(ns, name) is not None:
            raise ServiceError("ConflictException", f"A dashboard named {name} already exists.", status=400)
        if len(self.store.scan(ns)) >= MAX_DASHBOARDS:
            raise ServiceError("ServiceQuotaExceededException",
                               f"An account can have at most {MAX_DASHBOARDS} dashboards per region.", status=400)
        now = ctx.clock.time()
        doc: Dashboard = {"DashboardArn": ctx.arn(f"dashboard/{name}", "cloudtrail"), "Name": name, "Type": "CUSTOM",
                          "Status": "CREATED", "Widgets": check_widgets(ctx, params.get("Widgets") or []),
                          "Tags": tags_of(params), "CreatedTimestamp": now, "UpdatedTimestamp": now,
                          "TerminationProtectionEnabled": params.get("TerminationProtectionEnabled", False)}
        if "RefreshSchedule" in params:
            doc["RefreshSchedule"] = check_schedule(params["RefreshSchedule"])
        self._save_dashboard(ctx, doc)
        return {**self._described(doc, "Name", "Type", "Widgets", "RefreshSchedule", "TerminationProtectionEnabled"),
                "TagsList": tag_list(doc["Tags"])}

    def get_dashboard(self, ctx: RequestContext, params: dict) -> dict:
        return self._described(self._dashboard(ctx, params["DashboardId"]), "Type", "Status", "Widgets",
                               "RefreshSchedule", "CreatedTimestamp", "UpdatedTimestamp", "LastRefreshId",
                               "LastRefreshFailureReason", "TerminationProtectionEnabled")

    def update_dashboard(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._dashboard(ctx, params["DashboardId"])
        if "Widgets" in params:
            doc["Widgets"] = check_widgets(ctx, params["Widgets"])
        if "RefreshSchedule" in params:
            doc["RefreshSchedule"] = check_schedule(params["RefreshSchedule"])
        if "TerminationProtectionEnabled" in params:
            doc["TerminationProtectionEnabled"] = params["TerminationProtectionEnabled"]
        doc["UpdatedTimestamp"] = ctx.clock.time()
        doc["Status"] = "UPDATED"
        self._save_dashboard(ctx, doc)
        return self._described(doc, "Name", "Type", "Widgets", "RefreshSchedule", "TerminationProtectionEnabled",
                               "CreatedTimestamp", "UpdatedTimestamp")

    def delete_dashboard(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._dashboard(ctx, params["DashboardId"])
        if doc["TerminationProtectionEnabled"]:
            raise ServiceError("ConflictException", f"Dashboard {doc['Name']} has termination protection enabled.",
                               status=400)
        self.store.delete(dashboards_ns(ctx.account_id, ctx.region), doc["Name"])
        self._forget_policy(ctx, doc["DashboardArn"])
        return {}

    def list_dashboards(self, ctx: RequestContext, params: dict) -> dict:
        found = [doc for _, doc in DASHBOARD.scan(self.store, dashboards_ns(ctx.account_id, ctx.region),
                                                  params.get("NamePrefix", ""))
                 if params.get("Type") in (None, doc["Type"])]
        return listing("Dashboards", found, params, ("DashboardArn", "Type"), "InvalidParameterException")

    def start_dashboard_refresh(self, ctx: RequestContext, params: dict) -> dict:
        doc = self._dashboard(ctx, params["DashboardId"])
        refresh_id = str(secrets.randbelow(9 * 10 ** 15) + 10 ** 15)  # 16 digits, as AWS's
        doc["LastRefreshId"] = refresh_id
        doc["LastRefreshFailureReason"] = NO_LAKE
        self._save_dashboard(ctx, doc)
        return {"RefreshId": refresh_id}
