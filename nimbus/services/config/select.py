"""SelectResourceConfig: Config's SQL subset over the current configuration items of the account and
region, evaluated by the shared SQL engine (``core/sql/resource_config.py``, DuckDB). Deleted resources are
not queried, as AWS's advanced query only sees what exists."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.services.config.items import GONE, ItemStore, api_item
from nimbus.services.config.state import ConfigState


def current_items(stores: Iterable[ItemStore]) -> list[dict[str, Any]]:
    """The latest item of every resource that exists, in the API's form, across the given accounts and regions."""
    return [api_item(recorded["item"]) for items in stores for resource_type in items.resource_types()
            for recorded in items.resources(resource_type)
            if recorded["item"]["configurationItemStatus"] not in GONE]


def selected(expression: str, items: list[dict[str, Any]], limit: int | None, token: str | None) -> dict:
    # The engine (DuckDB, Arrow, sqlglot: about a second of imports) loads with the first query, not with Config.
    from nimbus.core.sql.resource_config import select_resource_config

    results, fields, next_token = select_resource_config(expression, items, limit, token)
    output: dict[str, Any] = {"Results": results, "QueryInfo": {"SelectFields": fields}}
    if next_token:
        output["NextToken"] = next_token
    return output


class SelectOps(ConfigState):
    def select_resource_config(self, ctx: RequestContext, params: dict) -> dict:
        self.engine.flush()
        items = current_items([ItemStore(self.store, ctx.account_id, ctx.region)])
        return selected(params["Expression"], items, params.get("Limit"), params.get("NextToken"))
