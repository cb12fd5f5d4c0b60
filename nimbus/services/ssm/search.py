"""DescribeParameters and GetParametersByPath: filtered listings, paged by name."""
from __future__ import annotations

from nimbus.core.context import RequestContext

from .common import check_path, decode_token, encode_token
from .documents import Parameter
from .filters import check_either, check_filters, legacy_matches, matches
from .state import SsmState


def page(parameters: list[Parameter], params: dict, default_limit: int) -> tuple[list[Parameter], str | None]:
    after = decode_token(params.get("NextToken"))
    if after is not None:
        parameters = [p for p in parameters if p["Name"] > after]
    limit = params.get("MaxResults") or default_limit
    chunk = parameters[:limit]
    return chunk, (encode_token(chunk[-1]["Name"]) if len(parameters) > limit else None)


class SearchOps(SsmState):
    def describe_parameters(self, ctx: RequestContext, params: dict) -> dict:
        check_either(params)
        filters = check_filters(params.get("ParameterFilters") or [], by_path=False)
        legacy = params.get("Filters") or []
        found = [p for p in self.scan(ctx) if matches(p, filters) and legacy_matches(p, legacy)]
        chunk, token = page(found, params, 10)
        out: dict = {"Parameters": [self.metadata(p) for p in chunk]}
        if token:
            out["NextToken"] = token
        return out

    def get_parameters_by_path(self, ctx: RequestContext, params: dict) -> dict:
        path = check_path(params["Path"])
        filters = check_filters(params.get("ParameterFilters") or [], by_path=True)
        below = self.scan(ctx, path + "/")
        if not params.get("Recursive"):
            below = [p for p in below if "/" not in p["Name"][len(path) + 1:]]
        chunk, token = page([p for p in below if matches(p, filters)], params, 10)
        with_decryption = bool(params.get("WithDecryption"))
        out: dict = {"Parameters": [self.parameter_output(ctx, p, p, with_decryption) for p in chunk]}
        if token:
            out["NextToken"] = token
        return out
