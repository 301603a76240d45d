"""Detection rules and scoring on plain data: what a rerun does to a case, where a case
belongs, and each detector's threshold (fires on planted rows, not on clean ones)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from gangting.desks import detection_scoring as scoring
from gangting.detection.rules import (
    CaseState,
    Thresholds,
    common_unit_path,
    has_new_evidence,
    state_after_rerun,
)
from gangting.kernel.clock import CITY_ZONE

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=CITY_ZONE)
TH = Thresholds()


@pytest.mark.parametrize(
    ("state", "stored", "proposed", "after"),
    [
        (CaseState.OPEN, {"decisions": ["A"]}, {"decisions": ["A", "B"]}, CaseState.OPEN),
        (CaseState.FALSE_ALARM, {"decisions": ["A", "B"]}, {"decisions": ["B"]}, "same"),
        (CaseState.FALSE_ALARM, {"decisions": ["A"]}, {"decisions": ["A"]}, "same"),
        (CaseState.CONFIRMED, {"decisions": ["A"]}, {"decisions": ["A"]}, "same"),
        (CaseState.FALSE_ALARM, {"decisions": ["A"]}, {"decisions": ["A", "C"]}, CaseState.OPEN),
        (CaseState.CONFIRMED, {"booths": ["X"]}, {"audit_entries": ["X"]}, CaseState.OPEN),
    ],
)
def test_a_decided_case_is_reopened_only_by_new_evidence(
    state: CaseState, stored: dict[str, list[str]], proposed: dict[str, list[str]], after: object
) -> None:
    expected = state if after == "same" else after
    assert state_after_rerun(state, stored, proposed) is expected
    if state is not CaseState.OPEN:
        assert has_new_evidence(stored, proposed) is (expected is CaseState.OPEN)


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["/BT/KDL/KDL-1/", "/BT/KDL/"], "/BT/KDL/"),
        (["/BT/KDL/KDL-1/", "/BT/KDL/KDL-2/"], "/BT/KDL/"),
        (["/BT/KDL/", "/BT/QS/"], "/BT/"),
        (["/BT/KDL/", None], "/BT/"),
        ([], "/BT/"),
        (["/BT/KDL-1/"], "/BT/KDL-1/"),
        (["/BT/KDL/", "/BT/KDL-1/"], "/BT/"),  # by segment, not by character
    ],
)
def test_a_case_belongs_to_the_deepest_unit_holding_all_its_records(
    paths: list[str | None], expected: str
) -> None:
    assert common_unit_path(paths, "/BT/") == expected


def _edge(
    n: int, driver: str, owner: str, days_ago: int = 10, cycle: int = 2026
) -> scoring.PointEdge:
    return scoring.PointEdge(
        f"JD{n:04d}",
        3,
        f"WF{n:04d}",
        f"蒙B{n:05d}",
        driver,
        owner,
        NOW - timedelta(days=days_ago),
        date(cycle, 3, 15),
        "BT-KDL-001",
        "/BT/KDL/",
    )


def test_many_owners_fires_at_three_owners_not_for_a_family_or_ones_own_cars() -> None:
    edges = [
        _edge(1, "seller", "o1"),
        _edge(2, "seller", "o2"),
        _edge(3, "seller", "o3"),
        _edge(4, "seller", "o4", days_ago=400),  # outside the 365-day window
        _edge(5, "husband", "wife"),
        _edge(6, "husband", "wife"),
        _edge(7, "own", "own"),
        _edge(8, "own", "own"),
        _edge(9, "own", "own"),
    ]
    cases = scoring.many_owners(edges, NOW, TH, {"seller": "张* 1502**"}, "/BT/")
    assert [c.subject_id for c in cases] == ["seller"]
    reason = cases[0].reasons[0]
    assert reason.numbers["owners"] == 3 and reason.numbers["decisions"] == 3
    assert "3名其他车主" in reason.message and "阈值：3名车主" in reason.message
    assert sorted(cases[0].evidence["decisions"]) == ["JD0001", "JD0002", "JD0003"]
    assert cases[0].subject_label == "张* 1502**"


def test_repeat_taker_counts_scoring_cycles_or_decisions() -> None:
    cycles = [_edge(i, "r", "o", days_ago=30 + 365 * i, cycle=2026 - i) for i in range(3)]
    many = [_edge(10 + i, "k", "o", days_ago=5 + i) for i in range(8)]
    family = [_edge(30 + i, "f", "o", days_ago=5 + 365 * i, cycle=2026 - i) for i in range(2)]
    cases = scoring.repeat_takers(cycles + many + family, NOW, TH, {}, "/BT/")
    got = {c.subject_id: c.reasons[0].numbers for c in cases}
    assert set(got) == {"r", "k"}
    assert got["r"]["cycles"] == 3 and got["k"]["decisions"] == 8


def test_shared_phone_masks_the_number_and_needs_four_people_with_business() -> None:
    def holder(phone: str, n: int, receipts: int = 1) -> scoring.PhoneHolder:
        rows = [(f"SL{n}{i}", "BT-KDL-002", "/BT/KDL/", NOW) for i in range(receipts)]
        return scoring.PhoneHolder(phone, f"key-{phone[-1]}", f"王* {n}", rows)

    holders = [holder("13900001111", i) for i in range(4)]
    holders += [holder("13900002222", 10 + i) for i in range(3)]
    holders += [holder("13900002222", 20, receipts=0)]  # no business: not counted
    cases = scoring.shared_phones(holders, TH, "/BT/")
    assert [c.subject_id for c in cases] == ["key-1"]
    assert "139****1111" in cases[0].reasons[0].message
    assert "13900001111" not in repr(cases[0])
    assert cases[0].unit_path == "/BT/KDL/"


def _check(n: int, citizen: str, booth: str, minutes: int) -> scoring.IdentityCheck:
    return scoring.IdentityCheck(
        f"e{n}", citizen, booth, "/BT/KDL/", NOW + timedelta(minutes=minutes)
    )


def test_identity_hopping_needs_three_booths_within_one_hour() -> None:
    checks = [
        _check(1, "x", "B1", 0),
        _check(2, "x", "B2", 25),
        _check(3, "x", "B3", 55),
        _check(4, "y", "B1", 0),  # one booth, many checks: clean
        _check(5, "y", "B1", 10),
        _check(6, "y", "B1", 20),
        _check(7, "z", "B1", 0),  # three booths over three hours: clean
        _check(8, "z", "B2", 90),
        _check(9, "z", "B3", 180),
    ]
    cases = scoring.identity_hops(checks, TH, {}, "/BT/")
    assert [c.subject_id for c in cases] == ["x"]
    assert cases[0].reasons[0].numbers["booths"] == 3
    assert cases[0].evidence["audit_entries"] == ["e1", "e2", "e3"]


def test_off_hours_counts_operations_outside_eight_to_twenty_shanghai_time() -> None:
    def op(n: int, subject: str, hour: int, minute: int = 0) -> scoring.Operation:
        at = datetime(2026, 11, 20, hour, minute, tzinfo=CITY_ZONE)
        return scoring.Operation(
            "booth", subject, subject, "/BT/KDL/", at, f"SL{n}", "applications"
        )

    ops = [op(1, "night", 23), op(2, "night", 2), op(3, "night", 7, 59), op(4, "night", 12)]
    ops += [op(10, "day", 8), op(11, "day", 19, 59), op(12, "day", 12), op(13, "day", 20)]
    cases = scoring.off_hours(ops, TH, "/BT/")
    assert [c.subject_id for c in cases] == ["night"]
    assert cases[0].reasons[0].numbers == {
        "off_hours": 3,
        "total": 4,
        "open_hour": 8,
        "close_hour": 20,
        "recent_days": 30,
        "threshold": 3,
    }


def test_robust_z_uses_the_mad_and_falls_back_to_the_mean_deviation() -> None:
    med, scale, zs = scoring.robust_z([1.0, 2.0, 3.0, 4.0, 100.0])
    assert med == 3.0 and scale == pytest.approx(1.0 / 0.6745)
    assert zs[-1] == pytest.approx(0.6745 * 97)
    med, scale, zs = scoring.robust_z([5.0] * 8 + [50.0])
    assert med == 5.0 and scale == pytest.approx(1.253314 * 45 / 9)
    assert scoring.robust_z([2.0, 2.0, 2.0])[2] == [0.0, 0.0, 0.0]


def test_an_operator_far_from_the_peers_is_an_outlier_with_the_numbers() -> None:
    def staff(n: int, reveals: int) -> scoring.RateSubject:
        return scoring.RateSubject(
            "staff",
            f"s{n}",
            f"s{n}",
            "/BT/KDL/",
            40,
            {"reveals": [f"r{n}-{i}" for i in range(reveals)]},
        )

    subjects = [staff(i, 1) for i in range(8)] + [staff(99, 12)]
    cases = scoring.outliers(subjects, TH, "/BT/")
    assert [c.subject_id for c in cases] == ["s99"]
    numbers = cases[0].reasons[0].numbers
    assert numbers["rate_per_100"] == 30.0 and numbers["peer_median_per_100"] == 2.5
    assert numbers["z"] >= 3.5 and numbers["peers"] == 9
    assert len(cases[0].evidence["audit_entries"]) == 12
    # the same spread with too few peers: no case
    assert scoring.outliers(subjects[5:], TH, "/BT/") == []
    # all alike: no case
    assert scoring.outliers([staff(i, 1) for i in range(9)], TH, "/BT/") == []
