"""The clock, injected everywhere: instants are aware UTC, calendar dates are in the city zone.

This is the only module allowed to read the system time (ruff DTZ enforces it elsewhere).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

CITY_ZONE = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC instant."""
        ...

    def today(self) -> date:
        """The calendar date in the city's zone (Asia/Shanghai)."""
        ...


def city_date(instant: datetime) -> date:
    """The calendar date of an aware instant in the city's zone."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return instant.astimezone(CITY_ZONE).date()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return city_date(self.now())


class FixedClock:
    """A clock for tests and the demo: it stands still until told to move."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("naive datetime")
        self._now = instant.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return city_date(self._now)

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("naive datetime")
        self._now = instant.astimezone(UTC)


def city_midnight(day: date) -> datetime:
    """The aware instant at which a calendar day begins in the city's zone."""
    return datetime.combine(day, time.min, tzinfo=CITY_ZONE)


def iso_or_none(at: datetime | None) -> str | None:
    """An instant as ISO 8601 with its offset, as every view and payload writes it; None
    stays None."""
    return at.isoformat() if at is not None else None
