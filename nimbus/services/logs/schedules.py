"""When a scheduled query runs next: AWS's ``rate(N unit)`` and six-field ``cron(minutes hours day-of-month month
day-of-week year)`` expressions, in UTC, on the virtual clock (milliseconds)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\(([^)]+)\)$")
UNIT_MS = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
# (lowest, highest) of each cron field; day-of-week is 1 (Sunday) to 7
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199))
NAMES = {"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10,
         "NOV": 11, "DEC": 12, "SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
SEARCH_MINUTES = 366 * 24 * 60


def _values(field: str, low: int, high: int) -> set[int] | None:
    """The values a cron field allows; None for any (``*`` or ``?``). A ValueError for what does not parse."""
    if field in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in field.upper().split(","):
        part, _, step = part.partition("/")
        first, _, last = part.partition("-")
        start = low if first == "*" else int(NAMES.get(first, first))
        end = (high if first == "*" or step else start) if not last else int(NAMES.get(last, last))
        if not low <= start <= end <= high:
            raise ValueError(field)
        allowed.update(range(start, end + 1, int(step or 1)))
    return allowed


def valid(expression: str) -> bool:
    try:
        next_run(expression, 0)
    except ValueError:
        return False
    return True


def next_run(expression: str, after_ms: int) -> int | None:
    """The first run time strictly after ``after_ms``; None when the schedule has no more (a past year)."""
    rate = RATE.match(expression)
    if rate:
        interval = int(rate.group(1)) * UNIT_MS[rate.group(2).rstrip("s")]
        if interval <= 0:
            raise ValueError(expression)
        return after_ms + interval
    cron = CRON.match(expression)
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6:
        raise ValueError(expression)
    minutes, hours, days, months, weekdays, years = (_values(f, *r) for f, r in zip(fields, RANGES, strict=True))
    moment = datetime.fromtimestamp(after_ms / 1000, UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(SEARCH_MINUTES):
        if all(allowed is None or value in allowed for allowed, value in (
                (minutes, moment.minute), (hours, moment.hour), (days, moment.day), (months, moment.month),
                (weekdays, moment.isoweekday() % 7 + 1), (years, moment.year))):
            return int(moment.timestamp() * 1000)
        moment += timedelta(minutes=1)
    return None
