"""When, where and for which service each IAM access key last signed a call (GetAccessKeyLastUsed, the
credential report), and when each user or role last used each service (access advisor), recorded from
the API-call events every served request publishes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.core.events import API_CALL, ApiCallEvent
from nimbus.services.iam.common import ns
from nimbus.services.iam.documents import KEY_LAST_USED, SERVICE_USE, KeyLastUsed, ServiceUse

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime


class KeyUsageRecorder:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        runtime.events.subscribe(API_CALL, self.on_call)

    def on_call(self, event: ApiCallEvent) -> None:
        if event.internal:
            return
        key, when = event.access_key_id, event.time.timestamp()
        if key and key.startswith("AKIA"):  # only IAM users' long-term keys report their last use
            KEY_LAST_USED.put(self.runtime.store, ns(event.account_id, "key_last_used"), key, {
                "LastUsedDate": when, "ServiceName": event.service, "Region": event.region})
        principal = event.principal
        arn = principal.get("arn") if principal.get("type") == "IAMUser" else \
            ((principal.get("session_context") or {}).get("sessionIssuer") or {}).get("arn")
        if arn:
            SERVICE_USE.put(self.runtime.store, ns(event.account_id, "service_use"), f"{arn} {event.service}", {
                "Principal": arn, "Service": event.service, "LastAuthenticated": when, "Region": event.region})

    def close(self) -> None:
        self.runtime.events.unsubscribe(API_CALL, self.on_call)


def recorded_so_far(runtime: Runtime) -> None:
    """The calls answered before a read of last uses are in them, whichever process answered them."""
    runtime.events.flush()


def last_used(store, account: str, key_id: str) -> KeyLastUsed | None:
    return KEY_LAST_USED.get(store, ns(account, "key_last_used"), key_id)


def service_uses(store, account: str, arns: set[str]) -> list[ServiceUse]:
    return [use for _, use in SERVICE_USE.scan(store, ns(account, "service_use")) if use["Principal"] in arns]
