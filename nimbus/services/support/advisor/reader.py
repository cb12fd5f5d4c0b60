"""How a check reads the account: through the internal client, as the account's root with Trusted Advisor
as the invoking service (AWS's checks run as the account's service-linked role), never by reaching into
another service's state."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import botocore.loaders

from nimbus.core.identity import root_principal

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

SERVICE_PRINCIPAL = "trustedadvisor.amazonaws.com"
HOME_REGION = "us-east-1"  # the support API and Trusted Advisor's global checks live there

Status = Literal["ok", "warning", "error"]
# The words of a row's "Status" column.
COLOUR: dict[str, str] = {"ok": "Green", "warning": "Yellow", "error": "Red"}
SEVERITY: dict[str, int] = {"ok": 0, "warning": 1, "error": 2}


def _region_names() -> dict[str, str]:
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    aws = next(p for p in endpoints["partitions"] if p["partition"] == "aws")
    return {name: region.get("description", name) for name, region in aws["regions"].items()}


REGION_NAMES = _region_names()
# The commercial regions a regional check inspects, as AWS's checks cover every enabled region.
REGIONS = sorted(name for name in REGION_NAMES if name.count("-") == 2)


@dataclass
class Row:
    """One resource a check processed: its status, where it is, and the check's metadata columns."""
    status: Status
    resource: str  # what the resource is called in AWS's terms (an ARN where it has one)
    metadata: list[str | None]
    region: str | None = None


@dataclass
class Outcome:
    """What one run of a check found. ``status`` overrides the worst row's for checks without rows
    (IAM Use, MFA on Root Account)."""
    rows: list[Row] = field(default_factory=list)
    status: Status | None = None


class AccountReader:
    def __init__(self, runtime: Runtime, account: str):
        self.runtime = runtime
        self.account = account
        self.principal = root_principal(account)

    def now(self) -> float:
        return self.runtime.clock.time()

    def call(self, service: str, operation: str, params: dict[str, Any] | None = None,
             region: str = HOME_REGION) -> dict[str, Any]:
        """The operation's answer, as the HTTP API would give it (raises its ServiceError)."""
        return self.runtime.client.call(service, operation, params or {}, account_id=self.account, region=region,
                                        principal=self.principal, invoked_by=SERVICE_PRINCIPAL, forwarded=False)

    def pages(self, service: str, operation: str, items: str, params: dict[str, Any] | None = None,
              region: str = HOME_REGION, token: tuple[str, str] = ("Marker", "Marker")) -> Iterator[dict]:
        """Every item of a paged listing; ``token`` is (request member, response member) of its marker."""
        params = dict(params or {})
        while True:
            page = self.call(service, operation, params, region)
            yield from page.get(items) or []
            following = page.get(token[1])
            if not following or (token[1] == "Marker" and not page.get("IsTruncated")):
                return
            params[token[0]] = following
