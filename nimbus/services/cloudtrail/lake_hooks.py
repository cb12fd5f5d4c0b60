"""Where CloudTrail Lake plugs into the rest of CloudTrail, which does not depend on it.

Lake (event data stores) registers, once per runtime, at its start-up:
- ``find_event_data_store(arn) -> dict | None``: the store an ARN names (``Status``, ``AdvancedEventSelectors``),
  so channel destinations and resource policies name stores that exist;
- ``ingest(destination_arn, record)``: called with each audit event a channel took (``PutAuditEvents``), once
  per event data store among the channel's destinations, after the record is saved.
Without Lake, destinations are checked by their ARN's shape only, and audit events are kept in the history's
``audit-events`` kind of the channel's account and region (90 days), where Lake may also read them.
"""
from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext
    from nimbus.core.runtime import Runtime


@dataclass
class LakeHooks:
    find_event_data_store: Callable[[str], Mapping[str, Any] | None] | None = None
    ingest: list[Callable[[str, dict], None]] = field(default_factory=list)


_hooks: weakref.WeakKeyDictionary[Runtime, LakeHooks] = weakref.WeakKeyDictionary()


def hooks_for(runtime: Runtime) -> LakeHooks:
    found = _hooks.get(runtime)
    if found is None:
        found = _hooks[runtime] = LakeHooks()
    return found


EVENT_DATA_STORE_ARN = re.compile(r"^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):eventdatastore/[A-Za-z0-9-]+$")
EVENT_DATA_STORE_ID = re.compile(r"^[A-Za-z0-9-]{3,128}$")


def existing_event_data_store(ctx: RequestContext, ref: str) -> tuple[str, Mapping[str, Any]]:
    """The ARN and description of the caller's event data store named by ARN or id; without Lake there is none."""
    arn = ref if ref.startswith("arn:") else ctx.arn(f"eventdatastore/{ref}", "cloudtrail")
    match = EVENT_DATA_STORE_ARN.match(arn)
    if not match or (ref.startswith("arn:") is False and not EVENT_DATA_STORE_ID.match(ref)):
        raise ServiceError("EventDataStoreARNInvalidException",
                           f"The specified event data store ARN is not valid: {ref}", status=400)
    find = hooks_for(ctx.runtime).find_event_data_store
    found = find(arn) if find is not None and match.group(2) == ctx.account_id else None
    if found is None:
        raise ServiceError("EventDataStoreNotFoundException", f"The specified event data store {ref} was not found.",
                           status=400)
    return arn, found
