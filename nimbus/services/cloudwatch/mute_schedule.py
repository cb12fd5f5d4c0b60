"""When an alarm mute rule mutes: its schedule is ``at(yyyy-mm-ddThh:mm)`` (one window) or
``cron(minute hour day-of-month month day-of-week)`` (a window at each match), each lasting the ISO 8601
``Duration``, in the rule's ``Timezone`` (UTC by default), between its optional StartDate and ExpireDate;
a rule's status, and ``muted``: which rule, if any, holds an alarm's actions back now."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nimbus.services.cloudwatch.common import duration_seconds, invalid, mute_rules_ns
from nimbus.services.cloudwatch.documents import MUTE_RULE, MuteRule
from nimbus.store.base import Store

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)\)$")
_CRON = re.compile(r"^cron\(([^)]+)\)$")
# (low, high) of each cron field: minute, hour, day of month, month, day of week (0 or 7 is Sunday)
_FIELDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_NAMES = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))} | {
    name: i + 1 for i, name in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                          "NOV", "DEC"))}
MAX_DURATION = 31 * 86400  # a recurring window is searched for minute by minute over at most this span


def _number(text: str) -> int:
    return _NAMES[text.upper()] if text.upper() in _NAMES else int(text)


def _field(text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(part)
        if body in ("*", "?"):
            start, end = low, high
        elif "-" in body:
            start, end = (_number(x) for x in body.split("-", 1))
        else:
            start = end = _number(body)
            if step:
                end = high
        if not low <= start <= end <= high:
            raise ValueError(part)
        values.update(range(start, end + 1, step or 1))
    return frozenset(values)


class MuteSchedule:
    def __init__(self, expression: str, duration: str, timezone: str | None) -> None:
        seconds = duration_seconds(duration)
        if not seconds or seconds > MAX_DURATION:
            raise invalid(f"Invalid duration {duration}: an ISO 8601 duration up to 31 days, such as PT4H.")
        self.duration = seconds
        try:
            self.zone = ZoneInfo(timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            raise invalid(f"Invalid timezone {timezone}.") from None
        self.at: float | None = None
        self.cron: list[frozenset[int]] = []
        if match := _AT.match(expression):
            self.at = datetime.fromisoformat(match.group(1)).replace(tzinfo=self.zone).timestamp()
        elif (match := _CRON.match(expression)) and len(fields := match.group(1).split()) == 5:
            try:
                self.cron = [_field(text, low, high) for text, (low, high) in zip(fields, _FIELDS, strict=True)]
            except ValueError:
                raise invalid(f"Invalid schedule expression {expression}.") from None
        else:
            raise invalid(f"Invalid schedule expression {expression}: use at(yyyy-mm-ddThh:mm) or "
                          "cron(minute hour day-of-month month day-of-week).")

    @property
    def mute_type(self) -> str:
        return "ONE_TIME" if self.at is not None else "RECURRING"

    def matches(self, moment: datetime) -> bool:
        """Whether a cron schedule fires at ``moment`` (a minute)."""
        minute, hour, day, month, weekday = self.cron
        cron_weekday = moment.isoweekday() % 7  # cron counts Sunday as 0 (and 7)
        return (moment.minute in minute and moment.hour in hour and moment.day in day and moment.month in month
                and (cron_weekday in weekday or (cron_weekday == 0 and 7 in weekday)))

    def window_at(self, now: float) -> tuple[float, float] | None:
        """The mute window (start, end) that ``now`` falls in, if any."""
        if self.at is not None:
            return (self.at, self.at + self.duration) if self.at <= now < self.at + self.duration else None
        moment = datetime.fromtimestamp(now, tz=self.zone).replace(second=0, microsecond=0)
        earliest = now - self.duration
        while moment.timestamp() > earliest:
            if self.matches(moment):
                return moment.timestamp(), moment.timestamp() + self.duration
            moment -= timedelta(minutes=1)
        return None

    def ended_for_good(self, now: float) -> bool:
        return self.at is not None and now >= self.at + self.duration


def rule_schedule(rule: MuteRule) -> MuteSchedule:
    schedule = rule["Rule"]["Schedule"]
    return MuteSchedule(schedule["Expression"], schedule["Duration"], schedule.get("Timezone"))


def status(rule: MuteRule, now: float) -> str:
    """SCHEDULED before its StartDate, EXPIRED after its ExpireDate (or a one-time window's end), else ACTIVE."""
    if rule.get("ExpireDate") is not None and now >= rule["ExpireDate"]:
        return "EXPIRED"
    if rule_schedule(rule).ended_for_good(now):
        return "EXPIRED"
    if rule.get("StartDate") is not None and now < rule["StartDate"]:
        return "SCHEDULED"
    return "ACTIVE"


def muted(store: Store, account: str, region: str, alarm_name: str, now: float) -> str | None:
    """The name of a mute rule holding back ``alarm_name``'s actions at ``now``, if one is."""
    for name, rule in MUTE_RULE.scan(store, mute_rules_ns(account, region)):
        if alarm_name in (rule.get("MuteTargets") or {}).get("AlarmNames", []) and status(rule, now) == "ACTIVE" \
                and rule_schedule(rule).window_at(now) is not None:
            return name
    return None
