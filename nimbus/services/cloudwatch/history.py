"""Alarm history: configuration updates, state updates and actions, as DescribeAlarmHistory lists them.

Items are kept per account and region under a key that sorts by time, for 30 days (AWS's retention)."""
from __future__ import annotations

import json
import uuid
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudwatch.common import history_ns
from nimbus.services.cloudwatch.documents import HISTORY, HistoryItem
from nimbus.services.cloudwatch.state import CloudWatchState
from nimbus.store.base import Store

KEPT_FOR = 30 * 86400
PAGE = 100


def add_history(store: Store, account: str, region: str, name: str, alarm_type: str, when: float,
                item_type: str, summary: str, data: dict[str, Any]) -> None:
    item = HistoryItem(AlarmName=name, AlarmType=alarm_type, Timestamp=when, HistoryItemType=item_type,
                       HistorySummary=summary, HistoryData=json.dumps(data))
    HISTORY.put(store, history_ns(account, region), f"{when:017.6f}:{uuid.uuid4().hex[:8]}", item)


class HistoryOps(CloudWatchState):
    def describe_alarm_history(self, ctx: RequestContext, params: dict) -> dict:
        now = self.clock.time()
        start, end = epoch(params.get("StartDate")), epoch(params.get("EndDate"))
        name, kind = params.get("AlarmName"), params.get("HistoryItemType")
        types = params.get("AlarmTypes") or ["MetricAlarm"] if not name else None
        items = [item for _, item in HISTORY.scan(self.store, history_ns(ctx.account_id, ctx.region))
                 if now - item["Timestamp"] <= KEPT_FOR
                 and (name is None or item["AlarmName"] == name)
                 and (types is None or item["AlarmType"] in types)
                 and (kind is None or item["HistoryItemType"] == kind)
                 and (start is None or item["Timestamp"] >= start)
                 and (end is None or item["Timestamp"] <= end)]
        if params.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            items.reverse()
        limit = params.get("MaxRecords") or PAGE
        offset = 0
        if token := params.get("NextToken"):
            if not token.isdigit():
                raise ServiceError("InvalidNextToken", "The service couldn't process the NextToken.")
            offset = int(token)
        out: dict = {"AlarmHistoryItems": [
            {**item, "Timestamp": timestamp(item["Timestamp"])} for item in items[offset:offset + limit]]}
        for shown in out["AlarmHistoryItems"]:
            shown.pop("SchemaVersion", None)
        if offset + limit < len(items):
            out["NextToken"] = str(offset + limit)
        return out
