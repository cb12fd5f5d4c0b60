"""Saved Logs Insights queries: PutQueryDefinition (create, or update by id), DescribeQueryDefinitions,
DeleteQueryDefinition."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import now_ms, page, query_definitions_ns
from .documents import QUERY_DEFINITION, QueryDefinition
from .state import LogsState


class QueryDefinitionOps(LogsState):
    def put_query_definition(self, ctx: RequestContext, params: dict) -> dict:
        ns = query_definitions_ns(ctx.account_id, ctx.region)
        definition_id = params.get("queryDefinitionId")
        if definition_id and QUERY_DEFINITION.get(self.store, ns, definition_id) is None:
            raise ServiceError("ResourceNotFoundException", "The specified query definition does not exist.")
        definition: QueryDefinition = {
            "queryDefinitionId": definition_id or str(uuid.uuid4()), "name": params["name"],
            "queryString": params["queryString"], "lastModified": now_ms(ctx),
            "logGroupNames": params.get("logGroupNames") or [],
            "queryLanguage": params.get("queryLanguage") or "CWLI"}
        QUERY_DEFINITION.put(self.store, ns, definition["queryDefinitionId"], definition)
        return {"queryDefinitionId": definition["queryDefinitionId"]}

    def describe_query_definitions(self, ctx: RequestContext, params: dict) -> dict:
        prefix = params.get("queryDefinitionNamePrefix") or ""
        rows = [{k: v for k, v in d.items() if k != "SchemaVersion"}
                for _, d in QUERY_DEFINITION.scan(self.store, query_definitions_ns(ctx.account_id, ctx.region))
                if d["name"].startswith(prefix)
                and (not params.get("queryLanguage") or d.get("queryLanguage") == params["queryLanguage"])]
        rows.sort(key=lambda d: (d["name"], d["queryDefinitionId"]))
        return page(rows, {"limit": params.get("maxResults") or 1000, "nextToken": params.get("nextToken")},
                    "queryDefinitions", lambda d: [d["name"], d["queryDefinitionId"]])

    def delete_query_definition(self, ctx: RequestContext, params: dict) -> dict:
        self.delete_or_missing(query_definitions_ns(ctx.account_id, ctx.region), params["queryDefinitionId"],
                               "The specified query definition does not exist.")
        return {"success": True}
