"""Trusted Advisor's engine: runs a check over the account, keeps its last result, and moves a refresh
through AWS's statuses on the virtual clock (enqueued, then processing, then success). Results are the last
finished refresh's; a check never refreshed is run once on first sight, as AWS's own periodic refresh would
have. A check AWS refreshes itself runs again once its result is six hours old."""
from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from .catalog import Check
from .documents import CHECK_RUN, CheckRun, ResultRow
from .reader import SEVERITY, AccountReader, Outcome

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

ENQUEUED_SECONDS = 2.0  # a refresh waits this long in the queue...
PROCESSING_SECONDS = 8.0  # ...then is processed for this long
REFRESH_COOLDOWN_SECONDS = 3600.0  # AWS lets a check be refreshed once an hour
AUTOMATIC_REFRESH_SECONDS = 6 * 3600.0  # a check no one may refresh is run again this often ("several times daily")


def namespace(account: str) -> tuple[str, ...]:
    return ("support", account, "checks")


def resource_id(check: Check, resource: str, region: str | None) -> str:
    digest = hashlib.sha256(f"{check.id}|{region or ''}|{resource}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Advisor:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    @property
    def store(self):
        return self.runtime.store

    def now(self) -> float:
        return self.runtime.clock.time()

    def run(self, account: str, check: Check) -> tuple[str, list[ResultRow]]:
        outcome: Outcome = check.run(AccountReader(self.runtime, account))
        rows = [ResultRow(resourceId=resource_id(check, r.resource, r.region), resource=r.resource,
                          status=r.status, region=r.region, metadata=r.metadata) for r in outcome.rows]
        worst = max((r["status"] for r in rows), key=SEVERITY.__getitem__, default="ok")
        return outcome.status or worst, rows

    def state(self, account: str, check: Check) -> CheckRun:
        """The check's state, with a refresh whose time has come finished and a never-run check run."""
        found = CHECK_RUN.get(self.store, namespace(account), check.id)
        if found is not None and "pendingRows" in found and self.refresh_status(found) == "success":
            with self.store.transaction():
                found = CHECK_RUN.get(self.store, namespace(account), check.id) or found
                if "pendingRows" in found:
                    found["status"] = found.pop("pendingStatus", "ok")
                    found["rows"] = found.pop("pendingRows")
                    found["timestamp"] = found["refreshRequestedAt"] + ENQUEUED_SECONDS + PROCESSING_SECONDS
                    self.save(account, found)
        if found is None or "rows" not in found or self.stale(check, found):
            status, rows = self.run(account, check)
            with self.store.transaction():
                found = CHECK_RUN.get(self.store, namespace(account), check.id) or self.fresh(check)
                if "rows" not in found or self.stale(check, found):
                    found.update(status=status, rows=rows, timestamp=self.now())
                    self.save(account, found)
        return found

    def stale(self, check: Check, run: CheckRun) -> bool:
        return not check.refreshable and self.now() - run["timestamp"] >= AUTOMATIC_REFRESH_SECONDS

    def fresh(self, check: Check) -> CheckRun:
        return CheckRun(checkId=check.id, createdAt=self.now())

    def save(self, account: str, run: CheckRun) -> None:
        CHECK_RUN.put(self.store, namespace(account), run["checkId"], run)

    def refresh(self, account: str, check: Check) -> CheckRun:
        """Start a refresh (the check runs now; its result shows once the refresh succeeds), unless the
        last one was less than an hour ago."""
        current = self.state(account, check)
        if self.millis_until_refreshable(current):
            return current
        status, rows = self.run(account, check)
        with self.store.transaction():
            current = CHECK_RUN.get(self.store, namespace(account), check.id) or current
            current.update(refreshRequestedAt=self.now(), pendingStatus=status, pendingRows=rows)
            self.save(account, current)
        return current

    def refresh_status(self, run: CheckRun) -> str:
        requested = run.get("refreshRequestedAt")
        if requested is None:
            return "none"
        elapsed = self.now() - requested
        if "pendingRows" not in run or elapsed >= ENQUEUED_SECONDS + PROCESSING_SECONDS:
            return "success"
        return "enqueued" if elapsed < ENQUEUED_SECONDS else "processing"

    def millis_until_refreshable(self, run: CheckRun) -> int:
        requested = run.get("refreshRequestedAt")
        if requested is None:
            return 0
        return max(0, int((requested + REFRESH_COOLDOWN_SECONDS - self.now()) * 1000))

    def update(self, account: str, check: Check, **changes) -> CheckRun:
        """Change the stored state (lifecycle, exclusions) of a check that has been run."""
        self.state(account, check)
        with self.store.transaction():
            current = CHECK_RUN.get(self.store, namespace(account), check.id) or self.fresh(check)
            current.update(**changes)  # type: ignore[typeddict-item]
            self.save(account, current)
        return current

    def accounts(self) -> list[str]:
        """Every account Trusted Advisor has looked at: the organization nimbus's accounts make up."""
        return sorted({ns[1] for ns in self.store.namespaces(("support",)) if len(ns) == 3 and ns[2] == "checks"})
