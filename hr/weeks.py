"""ISO weeks and local dates. Dates are Europe/Oslo dates, never UTC ones.

Every date and week the product accepts lies between FIRST_DATE and LAST_DATE: hours outside the
years 2000–2099 are typing mistakes, and a bound keeps arithmetic on them (the week after
9999-W52) from overflowing Python's date range.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2099, 12, 31)
ISO_WEEK_PATTERN = re.compile(r"([0-9]{4})-?W([0-9]{1,2})")


def today_local() -> datetime.date:
    return timezone.localdate()


def monday_of(date: datetime.date) -> datetime.date:
    return date - datetime.timedelta(days=date.weekday())


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=offset) for offset in range(7)]


def date_in_range(date: datetime.date) -> bool:
    return FIRST_DATE <= date <= LAST_DATE


def monday_from_iso(year: int, week: int) -> datetime.date:
    """Raises ValueError for a week that does not exist (week 53 in most years) or lies outside
    FIRST_DATE … LAST_DATE."""
    monday = datetime.date.fromisocalendar(year, week, 1)
    # The weeks that overlap FIRST_DATE … LAST_DATE (no date arithmetic near the year 9999).
    if not monday_of(FIRST_DATE) <= monday <= LAST_DATE:
        raise ValueError(f"week {year}-W{week} is outside the supported years")
    return monday


def monday_from_label(label: str) -> datetime.date:
    """ "2026-W50" (or "2026W50") → that week's Monday; ValueError for anything else."""
    match = ISO_WEEK_PATTERN.fullmatch(label.strip())
    if match is None:
        raise ValueError(f"not an ISO week: {label!r}")
    return monday_from_iso(int(match.group(1)), int(match.group(2)))


def week_label(monday: datetime.date) -> str:
    year, week = iso_label(monday)
    return f"{year}-W{week:02d}"


def iso_label(monday: datetime.date) -> tuple[int, int]:
    year, week, _ = monday.isocalendar()
    return year, week
