from datetime import date
from decimal import Decimal

import pytest

from gangting.licences.rules import Cycle, LicenceClass, LicenceStatus, scoring_cycle
from gangting.points.rules import (
    DeductionWay,
    Exam,
    InvalidPoints,
    PointEntry,
    cycle_close,
    deduction_points,
    full_score_consequences,
    learner_full_score_cancels,
    may_process_other_vehicle,
    study_deduction_eligibility,
    validate_points,
)


@pytest.mark.parametrize(
    ("first", "on", "start", "end"),
    [
        # 记分办法 第3条: from the first-issue date, not the calendar year
        (date(2015, 3, 15), date(2026, 3, 14), date(2025, 3, 15), date(2026, 3, 14)),
        (date(2015, 3, 15), date(2026, 3, 15), date(2026, 3, 15), date(2027, 3, 14)),
        (date(2015, 3, 15), date(2015, 3, 15), date(2015, 3, 15), date(2016, 3, 14)),
        (date(2015, 1, 1), date(2026, 6, 1), date(2026, 1, 1), date(2026, 12, 31)),
        # decision: a 29 Feb first issue starts again on 1 March in common years
        (date(2020, 2, 29), date(2021, 2, 28), date(2020, 2, 29), date(2021, 2, 28)),
        (date(2020, 2, 29), date(2021, 3, 1), date(2021, 3, 1), date(2022, 2, 28)),
        (date(2020, 2, 29), date(2024, 2, 29), date(2024, 2, 29), date(2025, 2, 28)),
        (date(2020, 2, 29), date(2024, 2, 28), date(2023, 3, 1), date(2024, 2, 28)),
    ],
)
def test_scoring_cycle_runs_twelve_months_from_first_issue(
    first: date, on: date, start: date, end: date
) -> None:
    assert scoring_cycle(first, on) == Cycle(start, end)


def test_scoring_cycle_before_first_issue_is_an_error() -> None:
    with pytest.raises(ValueError):
        scoring_cycle(date(2020, 1, 1), date(2019, 12, 31))


@pytest.mark.parametrize("points", [12, 9, 6, 3, 1, 0])
def test_legal_point_values_are_accepted(points: int) -> None:
    assert validate_points(points) == points


@pytest.mark.parametrize("points", [2, 4, 13, -1])
def test_other_point_values_are_refused(points: int) -> None:
    with pytest.raises(InvalidPoints) as caught:
        validate_points(points)
    assert caught.value.code == "points.invalid_value"


def entry(vid: str, points: int, overdue: bool = False) -> PointEntry:
    return PointEntry(vid, points, date(2026, 1, 10), overdue)


def test_cycle_close_carries_over_only_overdue_unpaid_points() -> None:
    # 记分办法 第15条 worked example: 4 paid + 3 overdue -> next cycle starts at 3
    closed = cycle_close([entry("v1", 1), entry("v2", 3), entry("v3", 3, overdue=True)])
    assert closed.total == 7
    assert closed.cleared
    assert closed.carried_over_points == 3
    assert [e.violation_id for e in closed.carried_entries] == ["v3"]


def test_cycle_close_clears_everything_when_all_fines_paid() -> None:
    closed = cycle_close([entry("v1", 6), entry("v2", 3)])
    assert (closed.cleared, closed.carried_over_points, closed.carried_entries) == (True, 0, ())


def test_cycle_close_at_eleven_points_still_clears() -> None:
    assert cycle_close([entry("v1", 9), entry("v2", 1), entry("v3", 1)]).cleared


def test_cycle_close_at_twelve_points_is_left_to_full_score_handling() -> None:
    closed = cycle_close([entry("v1", 6), entry("v2", 6, overdue=True)])
    assert (closed.total, closed.cleared, closed.full_score) == (12, False, True)
    assert closed.carried_over_points == 0


def test_cycle_close_counts_study_deductions() -> None:
    closed = cycle_close([entry("v1", 6), entry("v2", 6, overdue=True)], deducted_points=2)
    assert (closed.total, closed.cleared, closed.carried_over_points) == (10, True, 6)


def test_empty_cycle_closes_cleared() -> None:
    closed = cycle_close([])
    assert (closed.total, closed.cleared, closed.carried_over_points) == (0, True, 0)


@pytest.mark.parametrize(("total", "allowed"), [(0, True), (11, True), (12, False), (15, False)])
def test_other_vehicles_may_be_processed_only_below_twelve(total: int, allowed: bool) -> None:
    decision = may_process_other_vehicle(total)
    assert decision.allowed is allowed
    assert decision.legal_basis == ("《道路交通安全违法行为记分管理办法》(公安部令第163号) 第14条",)
    if not allowed:
        assert decision.reasons[0].message == (
            "本记分周期累积记分已达12分，不能处理其他机动车的违法记录"
        )


C1 = [LicenceClass.C1]
B2 = [LicenceClass.B2, LicenceClass.C1]


@pytest.mark.parametrize(
    ("total", "count", "classes", "days", "exams"),
    [
        # 第18条: 7 days, +7 per extra 满分 or per extra 12 points, cap 60
        (12, 1, C1, 7, (Exam.THEORY,)),
        (14, 1, C1, 7, (Exam.THEORY,)),
        (24, 2, C1, 14, (Exam.THEORY, Exam.ROAD_SKILL)),  # 第22条第1款
        (24, 1, C1, 14, (Exam.THEORY, Exam.ROAD_SKILL)),  # 24-35 points
        (35, 1, C1, 14, (Exam.THEORY, Exam.ROAD_SKILL)),
        (36, 1, C1, 21, (Exam.THEORY, Exam.FIELD_SKILL, Exam.ROAD_SKILL)),  # 第22条第2款
        (36, 3, C1, 21, (Exam.THEORY, Exam.FIELD_SKILL, Exam.ROAD_SKILL)),
        (120, 10, C1, 60, (Exam.THEORY, Exam.FIELD_SKILL, Exam.ROAD_SKILL)),  # cap 60
        # large classes: 30 days, +30, cap 120
        (12, 1, B2, 30, (Exam.THEORY,)),
        (24, 2, B2, 60, (Exam.THEORY, Exam.ROAD_SKILL)),
        (60, 5, B2, 120, (Exam.THEORY, Exam.FIELD_SKILL, Exam.ROAD_SKILL)),  # cap 120
    ],
)
def test_full_score_study_days_and_exams(
    total: int, count: int, classes: list[LicenceClass], days: int, exams: tuple[Exam, ...]
) -> None:
    result = full_score_consequences(total, count, classes)
    assert result.licence_detained
    assert result.study_days == days
    assert result.exams == exams


@pytest.mark.parametrize(("classes", "minimum"), [(C1, (5, 2)), (B2, (10, 5))])
def test_full_score_minimum_onsite_and_online_days(
    classes: list[LicenceClass], minimum: tuple[int, int]
) -> None:
    result = full_score_consequences(12, 1, classes)
    assert (result.min_onsite_online_days, result.min_onsite_days) == minimum  # 第19条


def test_full_score_consequences_need_twelve_points() -> None:
    with pytest.raises(ValueError):
        full_score_consequences(11, 1, C1)


ELIGIBLE = dict(
    total_after_processing=6,
    deducted_this_cycle=0,
    full_score_records_current_or_previous_cycle=0,
    serious_offences_last_3_cycles=0,
    in_learner_period=False,
    review_overdue=False,
    licence_status=LicenceStatus.VALID,
    owns_overdue_inspection_vehicle=False,
    owns_underegistered_vehicle=False,
    fraud_last_3_cycles=False,
)


def test_study_deduction_is_allowed_for_a_clean_driver() -> None:
    assert study_deduction_eligibility(**ELIGIBLE).allowed  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"total_after_processing": 12}, "points.deduction_full_score"),  # 第25条
        ({"total_after_processing": 0}, "points.deduction_no_points"),
        ({"deducted_this_cycle": 6}, "points.deduction_cap_reached"),
        (
            {"full_score_records_current_or_previous_cycle": 2},
            "points.deduction_full_score_records",
        ),
        ({"serious_offences_last_3_cycles": 1}, "points.deduction_serious_offence"),
        ({"in_learner_period": True}, "points.deduction_learner"),
        ({"review_overdue": True}, "points.deduction_review_overdue"),
        ({"licence_status": LicenceStatus.DETAINED}, "points.deduction_licence_detained"),
        ({"licence_status": LicenceStatus.SUSPENDED}, "points.deduction_licence_detained"),
        ({"owns_overdue_inspection_vehicle": True}, "points.deduction_vehicle_inspection_overdue"),
        ({"owns_underegistered_vehicle": True}, "points.deduction_vehicle_not_deregistered"),
        ({"fraud_last_3_cycles": True}, "points.deduction_fraud"),
    ],
)
def test_study_deduction_is_refused_for_each_article_26_case(
    change: dict[str, object], code: str
) -> None:
    decision = study_deduction_eligibility(**{**ELIGIBLE, **change})  # type: ignore[arg-type]
    assert not decision.allowed
    assert [r.code for r in decision.reasons] == [code]


def test_one_full_score_record_does_not_block_deduction() -> None:
    args = {**ELIGIBLE, "full_score_records_current_or_previous_cycle": 1}
    assert study_deduction_eligibility(**args).allowed  # type: ignore[arg-type]


def test_study_deduction_refusal_lists_all_reasons() -> None:
    args = {
        **ELIGIBLE,
        "in_learner_period": True,
        "review_overdue": True,
        "total_after_processing": 12,
    }
    decision = study_deduction_eligibility(**args)  # type: ignore[arg-type]
    assert len(decision.reasons) == 3


@pytest.mark.parametrize(
    ("way", "amount", "passed", "current", "deducted", "expected"),
    [
        # 第27条
        (DeductionWay.ONLINE, 1, True, 6, 0, 1),
        (DeductionWay.ONLINE, 1, False, 6, 0, 0),  # no exam, no deduction
        (DeductionWay.ONSITE, 1, True, 6, 0, 2),
        (DeductionWay.ONSITE, 2, True, 9, 0, 4),
        (DeductionWay.PUBLIC_WELFARE, Decimal("2.9"), False, 6, 0, 2),  # full hours only
        (DeductionWay.PUBLIC_WELFARE, Decimal("0.9"), False, 6, 0, 0),
        # 第25条 cap of 6 per cycle, and never more than the current points
        (DeductionWay.ONSITE, 4, True, 11, 0, 6),
        (DeductionWay.ONSITE, 1, True, 11, 5, 1),
        (DeductionWay.ONLINE, 1, True, 9, 6, 0),
        (DeductionWay.ONSITE, 1, True, 1, 0, 1),
        (DeductionWay.ONLINE, 3, True, 0, 0, 0),
    ],
)
def test_deduction_points_respect_the_way_and_the_caps(
    way: DeductionWay,
    amount: int | Decimal,
    passed: bool,
    current: int,
    deducted: int,
    expected: int,
) -> None:
    assert deduction_points(way, amount, passed, current, deducted) == expected


@pytest.mark.parametrize(("points", "cancelled"), [(11, False), (12, True), (15, True)])
def test_twelve_points_in_learner_period_cancel_the_learner_class(
    points: int, cancelled: bool
) -> None:
    assert learner_full_score_cancels(points) is cancelled  # 驾驶证规定 第80条
