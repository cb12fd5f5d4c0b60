"""CloudWatch's work off the request path, started with the server (startup.py):

- the metrics nimbus services publish (``core/metrics.py``, topic ``METRIC``) stored as the owning
  account's, from the first one on, before anyone calls CloudWatch (published.py gathers them);
- datapoints rolled up and expired as they age, on the virtual clock (series.py);
- alarms evaluated (evaluator.py), each at the end of its periods, log alarms at their schedule's runs
  (log_alarm_eval.py); both are imported on the first tick that finds an alarm in the store, so an idle
  server without alarms never loads them, and a restarted one with alarms loads them on its first tick;
- metric streams delivering to Firehose (stream_delivery.py), once a minute.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nimbus.core.metrics import METRIC
from nimbus.services.cloudwatch.common import metrics_ns, points_ns, regions_with
from nimbus.services.cloudwatch.documents import METRIC as METRIC_DOC
from nimbus.services.cloudwatch.published import FLUSH_SECONDS, PublishedMetrics
from nimbus.services.cloudwatch.series import roll_up
from nimbus.services.cloudwatch.stream_delivery import deliver_streams

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
ROLLUP_SECONDS = 300.0
EVALUATE_SECONDS = 10.0  # AWS evaluates every minute; a finer tick keeps real-time tests quick


class Background:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.published = PublishedMetrics(runtime)
        runtime.events.subscribe(METRIC, self.published.add)
        self._flush = runtime.scheduler.every("cloudwatch-published", FLUSH_SECONDS, self.published.flush,
                                              on_advance=self.published.flush)
        self._rolled_up_at = 0.0
        self._rollup = runtime.scheduler.every("cloudwatch-rollup", ROLLUP_SECONDS, self.roll_up,
                                               on_advance=self.roll_up)
        self._alarms = runtime.scheduler.every("cloudwatch-alarms", EVALUATE_SECONDS, self.evaluate,
                                               on_advance=self.evaluate)

    def evaluate(self) -> None:
        self.published.flush()  # alarms judge the metrics published up to now
        alarmed = regions_with(self.runtime.store, "alarms")
        if alarmed:
            # RE2, time zones and metric math (about 4 MiB) load with the first alarm (issue 19's idle RSS).
            from nimbus.services.cloudwatch.evaluator import evaluate_all
            from nimbus.services.cloudwatch.log_alarm_eval import evaluate_log_alarms
            evaluate_all(self.runtime, self.runtime.clock.time())
            for account, region in alarmed:
                evaluate_log_alarms(self.runtime, account, region, self.runtime.clock.time())
        deliver_streams(self.runtime, self.runtime.clock.time())


    def roll_up(self) -> None:
        store, now = self.runtime.store, self.runtime.clock.time()
        if now - self._rolled_up_at < ROLLUP_SECONDS:
            return  # nothing ages by a level in less (the finest level lasts three hours)
        self._rolled_up_at = now
        for account, region in regions_with(store, "metrics"):
            for _, metric in METRIC_DOC.scan(store, metrics_ns(account, region)):
                roll_up(store, points_ns(account, region), metric["Series"], now)

    def reset(self) -> None:
        """The store was wiped; the subscription and job go on over the new state."""

    def close(self) -> None:
        self.runtime.events.unsubscribe(METRIC, self.published.add)
        self._flush.cancel()
        self.published.flush()
        self._rollup.cancel()
        self._alarms.cancel()
