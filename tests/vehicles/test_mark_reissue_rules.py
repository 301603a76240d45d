"""补领、换领检验合格标志 (登记规定 第57条) and deregistration due (第37条, 记分办法 第26条(四))."""

from datetime import date

import pytest

from gangting.vehicles.rules import VehicleStatus, deregistration_due, mark_reissue_allowed

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("insurance_until", "inspection_until", "status", "codes"),
    [
        # 交强险 valid (until-date inclusive): issued at once
        (date(2026, 11, 26), date(2027, 11, 30), VehicleStatus.NORMAL, []),
        (
            date(2026, 11, 25),
            date(2027, 11, 30),
            VehicleStatus.NORMAL,
            ["vehicles.insurance_invalid"],
        ),
        (None, date(2027, 11, 30), VehicleStatus.NORMAL, ["vehicles.insurance_invalid"]),
        # past the inspection validity there is no mark to reissue (第54条: inspect again)
        (
            date(2027, 5, 1),
            date(2026, 11, 25),
            VehicleStatus.NORMAL,
            ["vehicles.inspection_expired"],
        ),
        (
            date(2027, 5, 1),
            date(2027, 11, 30),
            VehicleStatus.SEIZED,
            ["vehicles.status_not_normal"],
        ),
        (
            date(2026, 1, 1),
            date(2026, 1, 31),
            VehicleStatus.STOLEN,
            [
                "vehicles.insurance_invalid",
                "vehicles.inspection_expired",
                "vehicles.status_not_normal",
            ],
        ),
    ],
)
def test_mark_reissued_at_once_when_compulsory_insurance_is_valid(
    insurance_until: date | None, inspection_until: date, status: VehicleStatus, codes: list[str]
) -> None:
    decision = mark_reissue_allowed(
        on=TODAY,
        compulsory_insurance_until=insurance_until,
        inspection_valid_until=inspection_until,
        vehicle_status=status,
    )
    assert decision.allowed is (not codes)
    if codes:
        assert [r.code for r in decision.reasons] == codes
    else:
        assert decision.reasons[0].code == "vehicles.mark_reissue_allowed"
        assert any("第57条" in b for b in decision.legal_basis)


@pytest.mark.parametrize(
    ("status", "due"),
    [
        (VehicleStatus.SCRAPPED, True),  # 达到国家强制报废标准, still registered: 第37条(一)
        (VehicleStatus.NORMAL, False),
        (VehicleStatus.STOLEN, False),
        (VehicleStatus.SEIZED, False),
    ],
)
def test_a_scrapped_vehicle_still_registered_is_due_for_deregistration(
    status: VehicleStatus, due: bool
) -> None:
    assert deregistration_due(status) is due
