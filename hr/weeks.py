"""ISO weeks and local dates. Dates are Europe/Oslo dates, never UTC ones."""

from __future__ import annotations

import datetime

from django.utils import timezone


def today_local() -> datetime.date:
    return timezone.localdate()


def monday_of(date: datetime.date) -> datetime.date:
    return date - datetime.timedelta(days=date.weekday())


def week_days(monday: datetime.date) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=offset) for offset in range(7)]


def monday_from_iso(year: int, week: int) -> datetime.date:
    """Raises ValueError for a week that does not exist (week 53 in most years)."""
    return datetime.date.fromisocalendar(year, week, 1)


def iso_label(monday: datetime.date) -> tuple[int, int]:
    year, week, _ = monday.isocalendar()
    return year, week
