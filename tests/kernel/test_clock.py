"""The one ISO formatter every view and payload uses."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from gangting.kernel.clock import iso_or_none


def test_an_instant_keeps_its_offset_and_none_stays_none() -> None:
    assert iso_or_none(datetime(2026, 12, 6, 4, 5, 6, tzinfo=UTC)) == "2026-12-06T04:05:06+00:00"
    city = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert iso_or_none(city) == "2026-12-06T12:00:00+08:00"
    assert iso_or_none(None) is None
