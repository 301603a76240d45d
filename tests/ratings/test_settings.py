"""The remedy's deadlines, the calendar's holidays and 调休, and the public address come
from the settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from gangting.config import Settings
from gangting.context import build_context
from gangting.kernel.calendar import HolidayCalendar
from gangting.ratings.rules import RemedyPolicy
from gangting.ratings.service import remedy_policy


def test_the_settings_carry_the_rule_and_the_adjusted_workdays(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        var_dir=tmp_path,
        extra_workdays="2026-09-27, 2026-10-10",
        holidays="2026-10-01",
        bad_review_complex_working_days=10,
    )
    ctx = build_context(settings)
    try:
        assert ctx.calendar == HolidayCalendar(
            holidays=frozenset({date(2026, 10, 1)}),
            extra_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
        )
    finally:
        ctx.close()
    assert remedy_policy(settings) == RemedyPolicy(1, 5, 10)
    with pytest.raises(ValidationError):
        Settings(public_base_url="javascript:alert(1)")
