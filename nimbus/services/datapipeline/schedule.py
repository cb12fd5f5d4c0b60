"""A Schedule object's periods: ``period`` ("15 minutes", "1 hour", "1 day", "1 week", "1 month"), from
``startDateTime`` (or the first activation, with ``startAt FIRST_ACTIVATION_DATE_TIME``) until
``endDateTime`` or ``occurrences``. Cron-style components run at a period's start, time-series-style ones
at its end; periods already past when the pipeline is activated are backfilled."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from .expressions import ExpressionError, _plus_months, parse_datetime

_PERIOD = re.compile(r"^\s*(\d+)\s*(minute|hour|day|week|month|year)s?\s*$", re.IGNORECASE)


def parse_period(text: str) -> tuple[int, str]:
    match = _PERIOD.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise ExpressionError(f"'{text}' is not a valid period")
    return int(match.group(1)), match.group(2).lower()


def period_seconds(text: str, default: str | None = None) -> float:
    """A duration field (``attemptTimeout``, ``retryDelay``, ``terminateAfter``) in seconds; with a
    ``default``, a value that is not a period (an expression that evaluated oddly) counts as the default."""
    try:
        count, unit = parse_period(text)
    except ExpressionError:
        if default is None:
            raise
        count, unit = parse_period(default)
    days = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}[unit]
    return count * days * 86400


def _step(start: datetime, count: int, unit: str, n: int) -> datetime:
    if unit in ("month", "year"):
        return _plus_months(start, n * count * (12 if unit == "year" else 1))
    return start + n * timedelta(**{unit + "s": count})


class Schedule:
    def __init__(self, period: str, start: datetime, end: datetime | None, occurrences: int | None):
        self.count, self.unit = parse_period(period)
        self.start, self.end, self.occurrences = start, end, occurrences

    @classmethod
    def of(cls, period: str, start_text: str | None, first_activation: datetime, end_text: str | None,
           occurrences: str | None) -> Schedule:
        start = parse_datetime(start_text) if start_text else first_activation.replace(microsecond=0)
        end = parse_datetime(end_text) if end_text else None
        return cls(period, start, end, int(occurrences) if occurrences else None)

    def period(self, n: int) -> tuple[datetime, datetime] | None:
        """The n-th period's (start, end), or None past the schedule's end."""
        if self.occurrences is not None and n >= self.occurrences:
            return None
        begin = _step(self.start, self.count, self.unit, n)
        if self.end is not None and begin >= self.end:
            return None
        return begin, _step(self.start, self.count, self.unit, n + 1)

    def due(self, done: int, now: datetime, timeseries: bool, limit: int) -> list[tuple[int, datetime, datetime]]:
        """Periods from the ``done``-th on whose run time (start, or end for time series) is not after now."""
        out: list[tuple[int, datetime, datetime]] = []
        n = done
        while len(out) < limit:
            period = self.period(n)
            if period is None or (period[1] if timeseries else period[0]) > now:
                break
            out.append((n, *period))
            n += 1
        return out

    def finished(self, done: int) -> bool:
        return self.period(done) is None
