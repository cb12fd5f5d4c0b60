"""ListLogGroups (the summary listing, by name pattern, class and tags) and ListLogGroupsForQuery."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import groups_ns, page, queries_ns
from .documents import INSIGHTS_QUERY, LOG_GROUP
from .state import LogsState


class ListingOps(LogsState):
    def list_log_groups(self, ctx: RequestContext, params: dict) -> dict:
        groups = [g for _, g in LOG_GROUP.scan(self.store, groups_ns(ctx.account_id, ctx.region))]
        if params.get("logGroupNamePattern"):
            pattern = params["logGroupNamePattern"].lower()  # a case-insensitive substring, as AWS matches it
            groups = [g for g in groups if pattern in g["logGroupName"].lower()]
        if params.get("logGroupClass"):
            groups = [g for g in groups if g.get("logGroupClass", "STANDARD") == params["logGroupClass"]]
        for wanted in params.get("logGroupTags") or []:  # each filter: the key with one of its values (any, if none)
            groups = [g for g in groups if wanted["key"] in g.get("tags", {})
                      and (not wanted.get("values") or g["tags"][wanted["key"]] in wanted["values"])]
        rows = [{"logGroupName": g["logGroupName"], "logGroupArn": g["arn"],
                 "logGroupClass": g.get("logGroupClass", "STANDARD")} for g in groups]
        return page(rows, params, "logGroups", lambda g: g["logGroupName"])

    def list_log_groups_for_query(self, ctx: RequestContext, params: dict) -> dict:
        query = INSIGHTS_QUERY.get(self.store, queries_ns(ctx.account_id, ctx.region), params["queryId"])
        if query is None:
            raise ServiceError("ResourceNotFoundException", f"Query {params['queryId']} does not exist.")
        arns = [ctx.arn(f"log-group:{name}") for name in query["logGroupNames"]]
        return page(arns, {"limit": params.get("maxResults") or 50, "nextToken": params.get("nextToken")},
                    "logGroupIdentifiers", lambda arn: arn)
