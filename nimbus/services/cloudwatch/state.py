"""What every CloudWatch operation module shares: the metric matching and alarm lookups several topics
use."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.services.base import BaseProvider
from nimbus.services.cloudwatch.common import alarms_ns, metrics_ns
from nimbus.services.cloudwatch.documents import ALARM, METRIC, Alarm, Metric
from nimbus.services.cloudwatch.published import flush_published


class CloudWatchState(BaseProvider):
    def published_so_far(self) -> None:
        """Reads see the metrics services published before them (gathered off the request path)."""
        flush_published(self.runtime)

    def all_metrics(self, account: str, region: str, namespace: str | None = None) -> list[Metric]:
        prefix = f"{namespace}\n" if namespace else ""
        return [metric for _, metric in METRIC.scan(self.store, metrics_ns(account, region), prefix)]

    def alarm(self, ctx: RequestContext, name: str) -> Alarm | None:
        return ALARM.get(self.store, alarms_ns(ctx.account_id, ctx.region), name)

    def all_alarms(self, account: str, region: str) -> list[Alarm]:
        return [alarm for _, alarm in ALARM.scan(self.store, alarms_ns(account, region))]

    def save_alarm(self, account: str, region: str, alarm: Alarm) -> None:
        ALARM.put(self.store, alarms_ns(account, region), alarm["AlarmName"], alarm)
