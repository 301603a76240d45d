"""The booth colour, the kiosk screen report and the chat's masking (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gangting.alerts.rules import booth_faults
from gangting.command_centre.rules import (
    assist_may_move,
    booth_status,
    kiosk_screen_view,
    mask_id_numbers,
)

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def status(readings: dict[str, object], availability: str, reported_ago_s: float | None) -> str:
    last = NOW - timedelta(seconds=reported_ago_s) if reported_ago_s is not None else None
    return booth_status(availability, last, NOW, 300, booth_faults(readings, availability, {}))


@pytest.mark.parametrize(
    ("readings", "availability", "ago", "expected"),
    [
        ({"paper": "ok", "door": "closed"}, "online", 10, "ok"),
        ({"paper": "ok"}, "unknown", 10, "ok"),  # HTTP-only booth, heard recently
        ({"paper": "ok"}, "unknown", 301, "unknown"),  # nothing heard for too long
        ({}, "unknown", None, "unknown"),
        ({"paper": "ok"}, "offline", 5, "offline"),
        ({"door": "open"}, "offline", 5, "offline"),  # offline wins over a fault
        ({"door": "open"}, "online", 5, "fault"),
        ({"paper": "out"}, "online", 5, "fault"),
        ({"paper": "low"}, "online", 5, "ok"),  # a low-severity fault is listed, not coloured
        ({"temperature_c": 61}, "online", 5, "fault"),
        ({"power": "battery"}, "unknown", 5, "fault"),
    ],
)
def test_the_booth_colour_follows_availability_freshness_and_faults(
    readings: dict[str, object], availability: str, ago: float | None, expected: str
) -> None:
    assert status(readings, availability, ago) == expected


def test_an_adapter_the_booth_reports_failed_makes_a_fault() -> None:
    faults = booth_faults({}, "online", {"printer": "fault"})
    assert booth_status("online", NOW, NOW, 300, faults) == "fault"


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("waiting", "active", True),
        ("waiting", "closed", True),
        ("active", "closed", True),
        ("active", "waiting", False),
        ("closed", "active", False),
        ("closed", "closed", False),
        ("bogus", "closed", False),
    ],
)
def test_a_remote_assist_session_only_moves_forward(current: str, new: str, allowed: bool) -> None:
    assert assist_may_move(current, new) is allowed


def test_the_operator_sees_the_kiosk_screen_by_name_and_step() -> None:
    view = kiosk_screen_view("pay", "violations", True, 42)
    assert view == {
        "screen": "pay",
        "screen_zh": "缴款",
        "service": "violations",
        "service_zh": "违法处理与缴款",
        "step": 4,
        "steps": 6,
        "elder": True,
        "screen_elapsed_s": 42,
    }


def test_unknown_screen_and_service_names_are_not_passed_on() -> None:
    view = kiosk_screen_view("150203199001011234", "蒙B12345", False, -5)
    assert view["screen"] == "other"
    assert view["screen_zh"] == "其他界面"
    assert view["service"] is None and view["service_zh"] is None
    assert view["step"] is None
    assert view["screen_elapsed_s"] == 0


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的身份证号150203199001011234", "我的身份证号150203********1234"),
        ("号码 150203 19900101 123X，读不出来", "号码 150203********123X，读不出来"),
        ("老证150203900101123", "老证150203*****1123"),
        ("电话13800138000", "电话13800138000"),  # 11 digits: not an ID number
        ("车牌蒙B12345", "车牌蒙B12345"),
    ],
)
def test_id_numbers_typed_into_the_chat_are_masked(text: str, masked: str) -> None:
    assert mask_id_numbers(text) == masked
