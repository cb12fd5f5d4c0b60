"""The Logs Insights queries running in this process, each on a thread of its own. What runs a query (Arrow and
DuckDB: insights_run.py) loads with the first query, not with the Logs provider."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .background import BackgroundRuns
from .common import queries_ns
from .documents import INSIGHTS_QUERY, InsightsQuery

if TYPE_CHECKING:
    from .insights_query import Plan


class QueryRunner(BackgroundRuns):
    """The Insights queries running in this process."""

    def __init__(self, runtime):
        super().__init__(runtime, "query")

    def start(self, account: str, region: str, query: InsightsQuery, plan: Plan) -> None:
        self.launch(query["queryId"], lambda cancel: self._run(account, region, query, plan, cancel))

    def save(self, account: str, region: str, query: InsightsQuery) -> None:
        INSIGHTS_QUERY.put(self.runtime.store, queries_ns(account, region), query["queryId"], query)

    def _run(self, account: str, region: str, query: InsightsQuery, plan: Plan, cancel: threading.Event) -> None:
        from .insights_run import run_query

        run_query(self, account, region, query, plan, cancel)
