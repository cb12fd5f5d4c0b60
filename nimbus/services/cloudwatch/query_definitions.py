"""Saved metric data queries: Put/Get/List/DeleteMetricDataQueryDefinition. A definition is a path (the
console's folder and name), a query type and its expression; SQL (Metrics Insights) and METRIC_MATH
expressions are checked by the parsers GetMetricData runs, PROMQL ones are stored as given (nimbus has no
PromQL engine)."""
from __future__ import annotations

import uuid

from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch import expressions, insights
from nimbus.services.cloudwatch.common import query_definitions_ns
from nimbus.services.cloudwatch.documents import QUERY_DEFINITION, QueryDefinition
from nimbus.services.cloudwatch.tagging import TaggingOps

PAGE = 100
MAX_DEFINITIONS = 1000  # per account and Region


def _check_expression(kind: str, expression: str) -> None:
    if kind == "SQL":
        insights.parse(expression)
    elif kind == "METRIC_MATH":
        expressions.parse(expression)


class QueryDefinitionOps(TaggingOps):
    def _definition(self, ctx: RequestContext, definition_id: str) -> QueryDefinition:
        found = QUERY_DEFINITION.get(self.store, query_definitions_ns(ctx.account_id, ctx.region), definition_id)
        if found is None:
            raise ServiceError("ResourceNotFoundException", f"Query definition {definition_id} does not exist.",
                               ResourceType="MetricDataQueryDefinition", ResourceId=definition_id)
        return found

    def put_metric_data_query_definition(self, ctx: RequestContext, params: dict) -> dict:
        _check_expression(params["Type"], params["Expression"])
        ns = query_definitions_ns(ctx.account_id, ctx.region)
        existing = {key: d for key, d in QUERY_DEFINITION.scan(self.store, ns)}
        now = self.clock.time()
        if params.get("Id"):  # an update of a definition that exists
            definition = self._definition(ctx, params["Id"])
        else:
            if len(existing) >= MAX_DEFINITIONS:
                raise ServiceError("LimitExceededException",
                                   f"The maximum of {MAX_DEFINITIONS} query definitions is reached.")
            new_id = str(uuid.uuid4())
            definition = QueryDefinition(Id=new_id, Arn=ctx.arn(f"metric-data-query-definition:{new_id}"),
                                         Path="", Expression="", Type="", CreatedAt=now, UpdatedAt=now)
        if any(d["Path"] == params["Path"] and key != definition["Id"] for key, d in existing.items()):
            raise ServiceError("ConflictException", f"A query definition with path {params['Path']} already exists.")
        definition["Path"], definition["Expression"] = params["Path"], params["Expression"]
        definition["Type"], definition["UpdatedAt"] = params["Type"], now
        QUERY_DEFINITION.put(self.store, ns, definition["Id"], definition)
        if params.get("Tags"):
            self.add_tags(ctx, definition["Arn"], params["Tags"])
        return _shown(definition)

    def get_metric_data_query_definition(self, ctx: RequestContext, params: dict) -> dict:
        return _shown(self._definition(ctx, params["Id"]))

    def list_metric_data_query_definitions(self, ctx: RequestContext, params: dict) -> dict:
        limit = params.get("MaxResults") or PAGE
        found = QUERY_DEFINITION.scan(self.store, query_definitions_ns(ctx.account_id, ctx.region),
                                      start_after=params.get("NextToken"), limit=limit + 1)
        out: dict = {"Items": [{"Id": d["Id"], "Path": d["Path"], "Type": d["Type"],
                                "UpdatedAt": timestamp(d["UpdatedAt"])} for _, d in found[:limit]]}
        if len(found) > limit:
            out["NextToken"] = found[limit - 1][0]
        return out

    def delete_metric_data_query_definition(self, ctx: RequestContext, params: dict) -> dict:
        definition = self._definition(ctx, params["Id"])
        self.store.delete(query_definitions_ns(ctx.account_id, ctx.region), definition["Id"])
        self.drop_tags(ctx, definition["Arn"])
        return {}


def _shown(definition: QueryDefinition) -> dict:
    return {**definition, "CreatedAt": timestamp(definition["CreatedAt"]),
            "UpdatedAt": timestamp(definition["UpdatedAt"])}
