from datetime import date

import pytest

from gangting.vehicles.rules import (
    InspectionAction,
    InspectionPolicy,
    InvalidPlate,
    Use,
    VehicleKind,
    VehicleStatus,
    display_plate,
    exemption_eligible,
    inspection_due,
    inspection_mark_eligibility,
    mark_window_open,
    parse_plate,
    window_opens_on,
)

SMALL, LARGE, GOODS, MOTO, OTHER = (
    VehicleKind.SMALL_PASSENGER,
    VehicleKind.LARGE_PASSENGER,
    VehicleKind.GOODS,
    VehicleKind.MOTORCYCLE,
    VehicleKind.OTHER,
)
PRIVATE, OPERATING = Use.NON_OPERATING, Use.OPERATING
STATUTE = InspectionPolicy(reform_2022=False)

# --- plates (GA 36-2018) ---


@pytest.mark.parametrize(
    ("text", "value", "serial", "new_energy"),
    [
        ("蒙B12345", "蒙B12345", "12345", False),
        ("蒙B·12345", "蒙B12345", "12345", False),
        ("蒙 b-1a2b3", "蒙B1A2B3", "1A2B3", False),
        ("蒙BD22345", "蒙BD22345", "D22345", True),  # small, pure electric
        ("蒙BFA1234", "蒙BFA1234", "FA1234", True),  # small, not pure electric
        ("蒙BA12345", "蒙BA12345", "A12345", True),  # extended pure-electric letter
        ("蒙B12345D", "蒙B12345D", "12345D", True),  # large new-energy
        ("蒙Ｂ１２３４５", "蒙B12345", "12345", False),  # full-width input
    ],
)
def test_parse_plate_normalises_and_recognises_new_energy(
    text: str, value: str, serial: str, new_energy: bool
) -> None:
    plate = parse_plate(text)
    assert (plate.value, plate.serial, plate.new_energy) == (value, serial, new_energy)
    assert plate.province == "蒙"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("蒙B1234", "length"),
        ("蒙B1234567", "length"),
        ("港B12345", "province"),
        ("蒙I12345", "authority"),
        ("蒙O12345", "authority"),
        ("蒙B1234O", "serial"),  # letter O never used
        ("蒙B1I345", "serial"),
        ("蒙BL22345", "serial"),  # L is not a new-energy type letter
        ("蒙BDA2B45", "serial"),  # last four must be digits
        ("蒙B1234A5", "serial"),  # 6 chars: neither small nor large new-energy
        ("蒙B1234挂", "serial"),  # trailer plates are not supported
    ],
)
def test_parse_plate_refuses_bad_plates(text: str, reason: str) -> None:
    with pytest.raises(InvalidPlate) as caught:
        parse_plate(text)
    assert caught.value.code == "vehicles.invalid_plate"
    assert caught.value.data["reason"] == reason


def test_display_plate_puts_the_dot_after_the_authority_letter() -> None:
    assert display_plate("蒙B12345") == "蒙B·12345"
    assert display_plate("蒙bd22345") == "蒙B·D22345"


# --- exemption ---


def test_private_small_car_is_exempt_eligible() -> None:
    assert exemption_eligible(SMALL, PRIVATE, 5, False, False, False, False).allowed


def test_exemption_refusal_lists_every_failing_condition() -> None:
    decision = exemption_eligible(SMALL, OPERATING, 11, True, True, True, True)
    assert not decision.allowed
    assert {r.code for r in decision.reasons} == {
        "vehicles.exempt_operating",
        "vehicles.exempt_seats",
        "vehicles.exempt_van",
        "vehicles.exempt_modified",
        "vehicles.exempt_injury_accident",
        "vehicles.exempt_late_registration",
    }


@pytest.mark.parametrize(("seats", "allowed"), [(9, True), (10, False)])
def test_exemption_seat_limit_is_nine(seats: int, allowed: bool) -> None:
    assert exemption_eligible(SMALL, PRIVATE, seats, False, False, False, False).allowed is allowed


def test_goods_vehicles_are_not_exempt() -> None:
    decision = exemption_eligible(GOODS, PRIVATE, 2, False, False, False, False)
    assert [r.code for r in decision.reasons] == ["vehicles.exempt_kind"]


def test_without_the_reform_nothing_is_exempt() -> None:
    assert not exemption_eligible(SMALL, PRIVATE, 5, False, False, False, False, STATUTE).allowed


# --- schedule ---

REG = date(2020, 5, 10)


@pytest.mark.parametrize(
    ("on", "valid_until", "action"),
    [
        # 2022 reform: years 2, 4, 8 apply for the mark; 6 and 10 on-site; yearly after 10
        (date(2020, 5, 10), date(2022, 5, 31), InspectionAction.APPLY_MARK),
        (date(2022, 5, 31), date(2022, 5, 31), InspectionAction.APPLY_MARK),  # last day
        (date(2022, 6, 1), date(2024, 5, 31), InspectionAction.APPLY_MARK),  # day after
        (date(2024, 6, 1), date(2026, 5, 31), InspectionAction.ONSITE_INSPECTION),
        (date(2026, 6, 1), date(2028, 5, 31), InspectionAction.APPLY_MARK),
        (date(2028, 6, 1), date(2030, 5, 31), InspectionAction.ONSITE_INSPECTION),
        (date(2030, 6, 1), date(2031, 5, 31), InspectionAction.ONSITE_INSPECTION),
        (date(2036, 1, 1), date(2036, 5, 31), InspectionAction.ONSITE_INSPECTION),
    ],
)
def test_reform_schedule_for_a_private_small_car(
    on: date, valid_until: date, action: InspectionAction
) -> None:
    due = inspection_due(REG, SMALL, PRIVATE, 5, False, on=on)
    assert (due.valid_until, due.action) == (valid_until, action)


def test_validity_ends_on_the_last_day_of_the_registration_month() -> None:
    due = inspection_due(date(2024, 2, 29), SMALL, PRIVATE, 5, False, on=date(2024, 3, 1))
    assert due.valid_until == date(2026, 2, 28)


def test_a_van_follows_the_statutory_periods() -> None:
    due = inspection_due(REG, SMALL, PRIVATE, 7, True, on=date(2026, 6, 1))
    assert due.valid_until == date(2027, 5, 31)  # yearly after 6 years
    assert due.action is InspectionAction.ONSITE_INSPECTION
    assert "vehicles.exempt_van" in {r.code for r in due.reasons}


def test_injury_accident_removes_the_exemption() -> None:
    due = inspection_due(REG, SMALL, PRIVATE, 5, False, on=date(2021, 1, 1), injury_accident=True)
    assert due.action is InspectionAction.ONSITE_INSPECTION


@pytest.mark.parametrize(
    ("kind", "use", "on", "valid_until"),
    [
        # 实施条例 第16条
        (SMALL, PRIVATE, date(2020, 6, 1), date(2022, 5, 31)),  # every 2 years ≤ 6
        (SMALL, PRIVATE, date(2026, 6, 1), date(2027, 5, 31)),  # yearly after 6
        (SMALL, PRIVATE, date(2035, 5, 31), date(2035, 5, 31)),  # year 15
        (SMALL, PRIVATE, date(2035, 6, 1), date(2035, 11, 30)),  # 6-monthly after 15
        (SMALL, OPERATING, date(2025, 5, 1), date(2025, 5, 31)),  # yearly ≤ 5
        (SMALL, OPERATING, date(2025, 6, 1), date(2025, 11, 30)),  # 6-monthly after 5
        (GOODS, PRIVATE, date(2029, 6, 1), date(2030, 5, 31)),  # yearly ≤ 10
        (GOODS, OPERATING, date(2030, 6, 1), date(2030, 11, 30)),  # 6-monthly after 10
        (LARGE, PRIVATE, date(2030, 12, 1), date(2031, 5, 31)),
        (MOTO, PRIVATE, date(2022, 6, 1), date(2024, 5, 31)),  # every 2 years ≤ 4
        (MOTO, PRIVATE, date(2024, 6, 1), date(2025, 5, 31)),  # yearly after 4
        (OTHER, PRIVATE, date(2020, 5, 10), date(2021, 5, 31)),
    ],
)
def test_statutory_periods_without_the_reform(
    kind: VehicleKind, use: Use, on: date, valid_until: date
) -> None:
    due = inspection_due(REG, kind, use, 5, False, policy=STATUTE, on=on)
    assert due.valid_until == valid_until
    assert due.action is InspectionAction.ONSITE_INSPECTION


def test_motorcycle_follows_the_reform_pattern() -> None:
    due = inspection_due(REG, MOTO, PRIVATE, 2, False, on=date(2024, 6, 1))
    assert (due.valid_until, due.action) == (date(2026, 5, 31), InspectionAction.ONSITE_INSPECTION)


# --- window (登记规定 第54条: within 3 months before the validity end) ---


@pytest.mark.parametrize(
    ("valid_until", "opens"),
    [
        (date(2026, 5, 31), date(2026, 3, 1)),
        (date(2026, 6, 30), date(2026, 4, 1)),
        (date(2026, 2, 28), date(2025, 12, 1)),
        (date(2026, 6, 15), date(2026, 3, 16)),  # not a month end
    ],
)
def test_window_opens_three_months_before_validity_end(valid_until: date, opens: date) -> None:
    assert window_opens_on(valid_until) == opens


@pytest.mark.parametrize(
    ("on", "allowed", "code"),
    [
        (date(2026, 2, 28), False, "vehicles.mark_window_not_open"),
        (date(2026, 3, 1), True, "vehicles.mark_window_open"),
        (date(2026, 5, 31), True, "vehicles.mark_window_open"),
        (date(2026, 6, 1), False, "vehicles.inspection_overdue"),
    ],
)
def test_mark_window_boundaries(on: date, allowed: bool, code: str) -> None:
    decision = mark_window_open(date(2026, 5, 31), on)
    assert decision.allowed is allowed
    assert decision.reasons[0].code == code


# --- mark eligibility ---

ON = date(2026, 5, 1)


def test_mark_is_issued_when_all_conditions_hold() -> None:
    decision = inspection_mark_eligibility(
        on=ON,
        compulsory_insurance_until=ON,  # valid through its last day
        vehicle_tax_ok=True,
        unprocessed_violations=0,
        unprocessed_accidents=0,
        vehicle_status=VehicleStatus.NORMAL,
    )
    assert decision.allowed


def test_mark_refusal_collects_all_reasons() -> None:
    decision = inspection_mark_eligibility(
        on=ON,
        compulsory_insurance_until=date(2026, 4, 30),
        vehicle_tax_ok=False,
        unprocessed_violations=2,
        unprocessed_accidents=1,
        vehicle_status=VehicleStatus.SEIZED,
    )
    assert not decision.allowed
    assert [r.code for r in decision.reasons] == [
        "vehicles.insurance_invalid",
        "vehicles.vehicle_tax_unpaid",
        "vehicles.unprocessed_violations",
        "vehicles.unprocessed_accidents",
        "vehicles.status_not_normal",
    ]
    assert "《机动车交通事故责任强制保险条例》 第4条" in decision.legal_basis


def test_missing_insurance_refuses_the_mark() -> None:
    decision = inspection_mark_eligibility(
        on=ON,
        compulsory_insurance_until=None,
        vehicle_tax_ok=True,
        unprocessed_violations=0,
        unprocessed_accidents=0,
        vehicle_status=VehicleStatus.NORMAL,
    )
    assert [r.code for r in decision.reasons] == ["vehicles.insurance_invalid"]


def test_unprocessed_violations_can_be_configured_not_to_block() -> None:
    lenient = InspectionPolicy(
        require_processed_violations=False, require_processed_accidents=False
    )
    decision = inspection_mark_eligibility(
        on=ON,
        compulsory_insurance_until=date(2027, 1, 1),
        vehicle_tax_ok=True,
        unprocessed_violations=3,
        unprocessed_accidents=1,
        vehicle_status=VehicleStatus.NORMAL,
        policy=lenient,
    )
    assert decision.allowed
