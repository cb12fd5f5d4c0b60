"""A composite alarm's ActionsSuppressor: while the suppressor alarm is in ALARM, the composite's actions
are held back (``ActionsSuppressedBy: Alarm``); for ``ActionsSuppressorExtensionPeriod`` seconds after the
suppressor leaves ALARM they still are (``ExtensionPeriod``); and when the composite enters ALARM it waits
``ActionsSuppressorWaitPeriod`` seconds (``WaitPeriod``) for the suppressor to alarm before running them:
the evaluator runs or drops them when the wait ends (``release_waiting``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.cloudwatch.common import alarms_ns
from nimbus.services.cloudwatch.documents import ALARM, Alarm

if TYPE_CHECKING:
    from nimbus.store.base import Store


def _suppressor(store: Store, account: str, region: str, alarm: Alarm) -> Alarm | None:
    name = alarm["ActionsSuppressor"].rsplit(":alarm:", 1)[-1]
    return ALARM.get(store, alarms_ns(account, region), name)


def _suppressing(suppressor: Alarm | None, alarm: Alarm, now: float) -> tuple[str, str] | None:
    """(ActionsSuppressedBy, ActionsSuppressedReason) while ``suppressor`` holds actions back at ``now``."""
    if suppressor is None:
        return None
    name = suppressor["AlarmName"]
    if suppressor.get("StateValue") == "ALARM":
        return "Alarm", f"Alarm {name} is in ALARM state."
    left = suppressor.get("StateTransitionedTimestamp", 0.0)
    if suppressor.get("PreviousStateValue") == "ALARM" and now < left + alarm.get("ActionsSuppressorExtensionPeriod", 0):
        return "ExtensionPeriod", f"Extension period having passed since {name} left ALARM state is not yet over."
    return None


def hold_back(store: Store, account: str, region: str, alarm: Alarm, old_state: str, now: float) -> bool:
    """Whether ``alarm``'s actions for its new state are held back; records why on the alarm (not saved)."""
    for key in ("ActionsSuppressedBy", "ActionsSuppressedReason", "PendingActionsAt", "PendingOldState"):
        alarm.pop(key, None)  # type: ignore[misc]
    if alarm["AlarmType"] != "CompositeAlarm" or not alarm.get("ActionsSuppressor"):
        return False
    held = _suppressing(_suppressor(store, account, region, alarm), alarm, now)
    if held is None and alarm["StateValue"] == "ALARM" and alarm.get("ActionsSuppressorWaitPeriod"):
        alarm["PendingActionsAt"], alarm["PendingOldState"] = now + alarm["ActionsSuppressorWaitPeriod"], old_state
        held = ("WaitPeriod", f"Waiting up to {alarm['ActionsSuppressorWaitPeriod']} seconds for "
                              f"{alarm['ActionsSuppressor'].rsplit(':alarm:', 1)[-1]} to go into ALARM state.")
    if held is not None:
        alarm["ActionsSuppressedBy"], alarm["ActionsSuppressedReason"] = held
    return held is not None


def waiting_over(store: Store, account: str, region: str, alarm: Alarm, now: float) -> str | None:
    """For a composite whose wait period ended by ``now``: the old state to run its actions from (the
    suppressor did not alarm meanwhile), or None (it did: the actions are dropped). Updates the alarm (not
    saved)."""
    old_state = alarm.pop("PendingOldState", "OK")  # type: ignore[misc]
    alarm.pop("PendingActionsAt", None)  # type: ignore[misc]
    held = _suppressing(_suppressor(store, account, region, alarm), alarm, now)
    if held is not None:
        alarm["ActionsSuppressedBy"], alarm["ActionsSuppressedReason"] = held
        return None
    alarm.pop("ActionsSuppressedBy", None)  # type: ignore[misc]
    alarm.pop("ActionsSuppressedReason", None)  # type: ignore[misc]
    return old_state
