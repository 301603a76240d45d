"""The reports' view of the tables they read, and the few expressions that differ between
PostgreSQL and SQLite (a city-zone month or day of an instant, seconds between instants).

The tables are named here as lightweight ``sqlalchemy.table`` clauses with only the columns
the reports read, so the reports do not load the domains' models (and their relationships)
and the SQL stays one statement per figure. Instants are stored as UTC (PostgreSQL
``timestamptz``; SQLite naive UTC text, ``kernel.db.UTCDateTime``); the city's zone
(Asia/Shanghai) has had no daylight-saving time since 1991, so SQLite shifts by +8 hours.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    String,
    Uuid,
    column,
    func,
    literal,
    table,
)
from sqlalchemy.sql.elements import ColumnElement

from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.db import UTCDateTime

CITY_TZ = "Asia/Shanghai"

service_visits = table(
    "service_visits",
    column("id", Uuid()),
    column("channel", String(8)),
    column("booth_id", Uuid()),
    column("hall_code", String(16)),
    column("district_code", String(6)),
    column("home_district_code", String(6)),
    column("citizen_id", Uuid()),
    column("application_id", Uuid()),
    column("service_item", String(32)),
    column("matter_key", String(80)),
    column("visit_no", Integer()),
    column("queued_at", UTCDateTime()),
    column("started_at", UTCDateTime()),
    column("finished_at", UTCDateTime()),
    column("outcome", String(16)),
    column("refusal_code", String(64)),
)

booths = table(
    "booths",
    column("id", Uuid()),
    column("code", String(32)),
    column("name", String(64)),
    column("district_code", String(6)),
    column("longitude", Float()),
    column("latitude", Float()),
    column("opened_on", Date()),
)


def month_of(instant: Any, dialect: str) -> ColumnElement[Any]:
    """The city-zone month of an instant, to group by: PostgreSQL the month's first moment
    (``date_trunc``: cheaper per row than formatting text), SQLite 'YYYY-MM'. Read the
    answer back with ``month_text``."""
    if dialect == "postgresql":
        return func.date_trunc("month", func.timezone(CITY_TZ, instant))
    return func.strftime("%Y-%m", instant, "+8 hours")


def month_text(value: Any) -> str:
    """'YYYY-MM' of what ``month_of`` answered."""
    if isinstance(value, datetime | date):
        return f"{value:%Y-%m}"
    return str(value)


def day_of(instant: Any, dialect: str) -> ColumnElement[Any]:
    """The city-zone day of an instant, to group by."""
    if dialect == "postgresql":
        return func.date_trunc("day", func.timezone(CITY_TZ, instant))
    return func.strftime("%Y-%m-%d", instant, "+8 hours")


def avg_seconds(earlier: Any, later: Any, dialect: str) -> ColumnElement[Any]:
    """The mean of ``later - earlier`` in seconds (PostgreSQL averages the intervals and
    converts once, not per row)."""
    if dialect == "postgresql":
        return func.extract("epoch", func.avg(later - earlier))
    return func.avg((func.julianday(later) - func.julianday(earlier)) * literal(86400.0))


def sum_seconds(earlier: Any, later: Any, dialect: str) -> ColumnElement[Any]:
    """The sum of ``later - earlier`` in seconds, 0 when there is nothing."""
    if dialect == "postgresql":
        return func.coalesce(func.extract("epoch", func.sum(later - earlier)), 0)
    return func.coalesce(
        func.sum((func.julianday(later) - func.julianday(earlier)) * literal(86400.0)), 0.0
    )


def city_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants [start 00:00, end+1 00:00) in the city's zone, as aware datetimes."""
    return (
        datetime.combine(start, time(0), CITY_ZONE),
        datetime.combine(end + timedelta(days=1), time(0), CITY_ZONE),
    )


def as_uuid(value: Any) -> uuid.UUID | None:
    """A UUID from what a driver answers (a UUID, 32/36-char text), None stays None."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def month_index(month: str) -> int:
    """'YYYY-MM' -> YYYY*12 + M - 1 (consecutive months are consecutive integers)."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_label(index: int) -> str:
    """The inverse of ``month_index``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: date, end: date) -> list[str]:
    """Every 'YYYY-MM' from start's month to end's month, inclusive."""
    first = start.year * 12 + start.month - 1
    last = end.year * 12 + end.month - 1
    return [month_label(i) for i in range(first, last + 1)]
