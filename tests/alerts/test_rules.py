"""Alert rules: the lifecycle and which faults a booth's current state shows. No database."""

from __future__ import annotations

import pytest

from gangting.alerts.rules import (
    FaultPolicy,
    alert_may_be_assigned,
    alert_may_move,
    booth_faults,
    help_call_severity,
)


@pytest.mark.parametrize(
    ("current", "new", "may"),
    [
        ("open", "acknowledged", True),
        ("open", "closed", True),
        ("acknowledged", "closed", True),
        ("acknowledged", "open", False),
        ("acknowledged", "acknowledged", False),
        ("closed", "open", False),
        ("closed", "acknowledged", False),
        ("closed", "closed", False),
        ("unknown", "closed", False),
    ],
)
def test_alerts_move_forward_only(current: str, new: str, may: bool) -> None:
    assert alert_may_move(current, new) is may


@pytest.mark.parametrize(
    ("state", "may"), [("open", True), ("acknowledged", True), ("closed", False)]
)
def test_an_owner_is_given_until_the_alert_is_closed(state: str, may: bool) -> None:
    assert alert_may_be_assigned(state) is may


@pytest.mark.parametrize(
    ("kind", "severity"),
    [("emergency", "high"), ("assistance", "medium"), ("device_fault", "medium")],
)
def test_help_call_severity(kind: str, severity: str) -> None:
    assert help_call_severity(kind) == severity


@pytest.mark.parametrize(
    ("readings", "availability", "adapters", "keys"),
    [
        ({}, "online", {}, []),
        ({}, "unknown", {}, []),  # nothing heard yet is no fault
        ({}, "offline", {}, ["offline"]),
        ({"paper": "out"}, "online", {}, ["printer_paper_out"]),
        ({"paper": "low"}, "online", {}, ["printer_paper_low"]),
        ({"paper": "ok"}, "online", {}, []),
        ({"card_reader": "fault"}, "online", {}, ["card_reader_failed"]),
        ({"card_reader": "offline"}, "online", {}, ["card_reader_failed"]),
        ({"camera": "offline"}, "online", {}, ["camera_down"]),
        (
            {"camera_lane-1": "fault", "camera_lane-2": "ok"},
            "online",
            {},
            ["camera_down:lane-1"],
        ),
        ({"door": "open"}, "online", {}, ["door_open"]),
        ({"door": "closed"}, "online", {}, []),
        ({"power": "battery"}, "online", {}, ["mains_power_lost"]),
        ({"power": "off"}, "online", {}, ["power_off"]),
        ({"temperature_c": 49.9}, "online", {}, []),
        ({"temperature_c": 50}, "online", {}, ["over_temperature"]),
        ({"temperature_c": True}, "online", {}, []),  # a wrong type is no fault
        ({"outbox_refused": 0}, "online", {}, []),
        ({"outbox_refused": 2}, "online", {}, ["outbox_refused"]),
        ({"outbox_refused": True}, "online", {}, []),  # a wrong type is no fault
        ({"heartbeat": 10, "queue_length": 3}, "online", {}, []),
        # The booth's own adapter report; id_reader and card_reader are one fault.
        (
            {"card_reader": "fault"},
            "online",
            {"id_reader": "fault", "printer": "offline", "plate_camera": "fault"},
            ["camera_down:plate_camera", "card_reader_failed", "printer_failed"],
        ),
        (
            {},
            "online",
            {"payment_terminal": "fault", "speaker": "offline", "sensors": "ok"},
            ["adapter_failed:speaker", "payment_terminal_failed"],
        ),
        (
            {"door": "open", "paper": "out", "temperature_c": 61.5},
            "offline",
            {},
            ["door_open", "offline", "over_temperature", "printer_paper_out"],
        ),
    ],
)
def test_booth_faults_from_the_current_state(
    readings: dict[str, object], availability: str, adapters: dict[str, str], keys: list[str]
) -> None:
    faults = booth_faults(readings, availability, adapters)
    assert [f.key for f in faults] == keys
    for fault in faults:
        assert fault.title and any("\u4e00" <= ch <= "\u9fff" for ch in fault.title)
        assert fault.severity in ("high", "medium", "low")


def test_the_temperature_limit_is_a_setting_and_shown_in_the_title() -> None:
    faults = booth_faults({"temperature_c": 42}, "online", {}, FaultPolicy(max_temperature_c=40))
    assert [f.key for f in faults] == ["over_temperature"]
    assert faults[0].title == "机柜温度过高：42℃" and faults[0].severity == "high"
    assert booth_faults({"temperature_c": 42}, "online", {}) == ()
