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

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
