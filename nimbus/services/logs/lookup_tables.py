"""Lookup tables (Create / Get / Describe / Update / Delete): CSV bodies stored with their fields, record count
and size, as Logs Insights' ``lookup`` command reads them (insights_lookup.py)."""
from __future__ import annotations

import csv
import io

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import invalid, now_ms, page
from .insights_lookup import TABLES
from .state import LogsState

MAX_BYTES = 10 * 1024 * 1024


def _shape(body: str) -> dict:
    size = len(body.encode())
    if size > MAX_BYTES:
        raise invalid("A lookup table body can be at most 10 MB.")
    rows = list(csv.reader(io.StringIO(body)))
    if not rows or not rows[0] or any(not name.strip() for name in rows[0]):
        raise invalid("A lookup table body is CSV text whose first line names its fields.")
    if any(len(row) != len(rows[0]) for row in rows[1:]):
        raise invalid("Every line of a lookup table must have as many values as its header has fields.")
    return {"tableBody": body, "tableFields": rows[0], "recordsCount": len(rows) - 1, "sizeBytes": size}


class LookupTableOps(LogsState):
    def create_lookup_table(self, ctx: RequestContext, params: dict) -> dict:
        arn = ctx.arn(f"lookup-table:{params['lookupTableName']}")
        if TABLES.find(self.store, ctx, arn) is not None:
            raise ServiceError("ResourceAlreadyExistsException",
                               f"A lookup table named {params['lookupTableName']} already exists.")
        now = now_ms(ctx)
        table = {"lookupTableArn": arn, "lookupTableName": params["lookupTableName"],
                 "description": params.get("description") or "", "lastUpdatedTime": now,
                 **_shape(params.get("tableBody") or "")}
        if params.get("kmsKeyId"):
            table["kmsKeyId"] = params["kmsKeyId"]
        TABLES.save(self.store, ctx, arn, table)
        return {"lookupTableArn": arn, "createdAt": now}

    def get_lookup_table(self, ctx: RequestContext, params: dict) -> dict:
        table = TABLES.get(self.store, ctx, params["lookupTableArn"])
        return {k: v for k, v in table.items() if k not in ("tableFields", "recordsCount")}

    def describe_lookup_tables(self, ctx: RequestContext, params: dict) -> dict:
        rows = [{k: v for k, v in t.items() if k != "tableBody"} for t in TABLES.all(self.store, ctx)
                if t["lookupTableName"].startswith(params.get("lookupTableNamePrefix") or "")]
        return page(rows, {"limit": params.get("maxResults") or 50, "nextToken": params.get("nextToken")},
                    "lookupTables", lambda t: t["lookupTableName"])

    def update_lookup_table(self, ctx: RequestContext, params: dict) -> dict:
        table = TABLES.get(self.store, ctx, params["lookupTableArn"])
        if params.get("tableBody") is not None:
            table.update(_shape(params["tableBody"]))
        for member in ("description", "kmsKeyId"):
            if params.get(member) is not None:
                table[member] = params[member]
        table["lastUpdatedTime"] = now_ms(ctx)
        TABLES.save(self.store, ctx, params["lookupTableArn"], table)
        return {"lookupTableArn": params["lookupTableArn"], "lastUpdatedTime": table["lastUpdatedTime"]}

    def delete_lookup_table(self, ctx: RequestContext, params: dict) -> dict:
        TABLES.get(self.store, ctx, params["lookupTableArn"])
        TABLES.delete(self.store, ctx, params["lookupTableArn"])
        return {}
