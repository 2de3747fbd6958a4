"""The calendar the rules speak: periods as SCENARIOS.md names them (`2026-02`,
`2026-Q1`, `2026-H1`, `2026`), their bounds, and the months and quarters a window
checks. Shared by the checks, the read-side figures, the CLI and the benchmarks.
"""

from __future__ import annotations

from datetime import date, timedelta


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def half_of(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a period (parses every form above)."""
    if "-Q" in period:
        year, q = period.split("-Q")
        start = date(int(year), 3 * int(q) - 2, 1)
        months = 3
    elif "-H" in period:
        year, h = period.split("-H")
        start = date(int(year), 6 * int(h) - 5, 1)
        months = 6
    elif "-" in period:
        year, month = period.split("-")
        start = date(int(year), int(month), 1)
        months = 1
    else:
        start = date(int(period), 1, 1)
        months = 12
    return start, add_months(start, months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, 1)


def previous(period_kind: str, day: date) -> str:
    """The period of `period_kind` that ended the day before `day`."""
    before = day - timedelta(days=1)
    return {"month": month_of, "quarter": quarter_of, "half": half_of}.get(
        period_kind, lambda d: str(d.year)
    )(before)


def months_checked(start: date, end: date) -> list[tuple[date, date]]:
    """(first, last) of the months beginning on or after `start` whose check day (the
    day after) is on or before `end`."""
    found = []
    first = start if start.day == 1 else add_months(start, 1)
    while (last := add_months(first, 1) - timedelta(days=1)) < end:
        found.append((first, last))
        first = add_months(first, 1)
    return found


def quarters_checked(start: date, end: date) -> list[tuple[date, date]]:
    """(first, last) of the quarters beginning on or after `start` whose check day is on
    or before `end`."""
    return [
        (first, add_months(first, 3) - timedelta(days=1))
        for first, _ in months_checked(start, end)
        if first.month in (1, 4, 7, 10) and add_months(first, 3) - timedelta(days=1) < end
    ]


def judged_on(start: date, end: date, today: date) -> date:
    """The day a period is judged on: the day after it ends (its months' check days
    fall on or before it), or today while it has not ended yet."""
    return min(end + timedelta(days=1), max(today, start))
