"""满分学习、考试与清除 (记分办法 第18–23条): study days, the clearance conditions, retakes."""

from datetime import date
from typing import Any

import pytest

from gangting.kernel.decision import Decision
from gangting.points.rules import (
    Exam,
    ExamResult,
    StudyDays,
    StudySession,
    StudyWay,
    exam_retake_on,
    full_score_clearance,
    full_score_consequences,
    full_score_study_days,
)


def _day(n: int) -> date:
    return date(2026, 11, n)


@pytest.mark.parametrize(
    ("sessions", "expected"),
    [
        # 第19条第3款: more than three hours a day counts as a day; exactly 3 hours does not
        ([StudySession(_day(1), StudyWay.ONSITE, 181)], StudyDays(1, 1, 1)),
        ([StudySession(_day(1), StudyWay.ONSITE, 180)], StudyDays(0, 0, 0)),
        # online minutes of one day add up (累计超过三小时)
        (
            [
                StudySession(_day(2), StudyWay.ONLINE, 100),
                StudySession(_day(2), StudyWay.ONLINE, 100),
            ],
            StudyDays(0, 1, 1),
        ),
        # on-site and online on the same day: one day (学习天数不累积计算)
        (
            [
                StudySession(_day(3), StudyWay.ONSITE, 200),
                StudySession(_day(3), StudyWay.ONLINE, 200),
            ],
            StudyDays(1, 1, 1),
        ),
        # self-study fills the other days, never on a day already counted
        (
            [
                StudySession(_day(4), StudyWay.ONSITE, 200),
                StudySession(_day(4), StudyWay.SELF, 60),
                StudySession(_day(5), StudyWay.SELF, 60),
            ],
            StudyDays(1, 1, 2),
        ),
    ],
)
def test_study_days_are_counted_as_article_19_says(
    sessions: list[StudySession], expected: StudyDays
) -> None:
    assert full_score_study_days(sessions) == expected


def _ordinary_week() -> list[StudySession]:
    """The worked example of 第18–19条 for an ordinary driver's first 满分: 7 days, of them
    2 on-site and 3 online (5 on-site or online), and 2 of self-study."""
    ways = [StudyWay.ONSITE] * 2 + [StudyWay.ONLINE] * 3 + [StudyWay.SELF] * 2
    return [StudySession(_day(i + 1), w, 200) for i, w in enumerate(ways)]


def _clear(**change: Any) -> Decision:
    first = full_score_consequences(12, 1, ["C1"])
    args: dict[str, Any] = {
        "study_days_required": first.study_days,
        "min_onsite_online_days": first.min_onsite_online_days,
        "min_onsite_days": first.min_onsite_days,
        "exams_required": first.exams,
        "study": full_score_study_days(_ordinary_week()),
        "exams": [ExamResult(Exam.THEORY, _day(9), True)],
        "unpaid_fines": 0,
        "on": _day(10),
    }
    args.update(change)
    return full_score_clearance(**args)


def test_study_exams_and_paid_fines_clear_the_points_and_return_the_licence() -> None:
    decision = _clear()
    assert decision.allowed
    codes = [r.code for r in decision.reasons]
    assert codes == ["points.full_score_cleared", "points.licence_returned"]
    assert any("第23条" in b for b in decision.legal_basis)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"study": StudyDays(1, 5, 7)}, "points.full_score_onsite_short"),
        ({"study": StudyDays(2, 4, 7)}, "points.full_score_onsite_online_short"),
        ({"study": StudyDays(2, 5, 6)}, "points.full_score_study_short"),
        ({"exams": []}, "points.full_score_exam_missing"),
        ({"exams": [ExamResult(Exam.THEORY, _day(9), False)]}, "points.full_score_exam_missing"),
        ({"unpaid_fines": 1}, "points.full_score_fines_unpaid"),
    ],
)
def test_each_missing_condition_refuses_with_its_reason(change: dict[str, Any], code: str) -> None:
    decision = _clear(**change)
    assert not decision.allowed
    assert [r.code for r in decision.reasons] == [code]


def test_every_failing_condition_is_returned_at_once() -> None:
    decision = _clear(study=StudyDays(0, 0, 0), exams=[], unpaid_fines=2)
    assert len(decision.reasons) == 5


def test_second_full_score_needs_the_road_skill_exam_too() -> None:
    """第22条: a second 满分 in the cycle adds 道路驾驶技能 (科目三) to the theory exam."""
    second = full_score_consequences(24, 2, ["C1"])
    week = full_score_study_days(
        [StudySession(_day(i + 1), StudyWay.ONSITE, 200) for i in range(14)]
    )
    refused = full_score_clearance(
        study_days_required=second.study_days,
        min_onsite_online_days=second.min_onsite_online_days,
        min_onsite_days=second.min_onsite_days,
        exams_required=second.exams,
        study=week,
        exams=[ExamResult(Exam.THEORY, _day(20), True)],
        unpaid_fines=0,
        on=_day(21),
    )
    assert not refused.allowed
    assert refused.reasons[0].data == {"exams": ["road_skill"]}


def test_large_class_driver_needs_thirty_days_with_ten_onsite_or_online() -> None:
    """第18–19条: A1/A2/A3/B1/B2 — 30 days, of them ≥ 10 on-site or online, ≥ 5 on-site."""
    first = full_score_consequences(12, 1, ["B2"])
    assert (first.study_days, first.min_onsite_online_days, first.min_onsite_days) == (30, 10, 5)
    refused = full_score_clearance(
        study_days_required=first.study_days,
        min_onsite_online_days=first.min_onsite_online_days,
        min_onsite_days=first.min_onsite_days,
        exams_required=first.exams,
        study=full_score_study_days(_ordinary_week()),
        exams=[ExamResult(Exam.THEORY, _day(9), True)],
        unpaid_fines=0,
        on=_day(10),
    )
    codes = {r.code for r in refused.reasons}
    assert codes == {
        "points.full_score_onsite_short",  # 2 < 5
        "points.full_score_onsite_online_short",  # 5 < 10
        "points.full_score_study_short",  # 7 < 30
    }


def test_a_suspended_licence_is_kept_until_the_suspension_ends() -> None:
    """第23条第二句: points cleared, the licence returned when the suspension ends."""
    kept = _clear(suspension_ends_on=_day(30))
    assert kept.allowed
    assert [r.code for r in kept.reasons][-1] == "points.licence_kept_until_suspension_ends"
    after = _clear(suspension_ends_on=_day(5))
    assert [r.code for r in after.reasons][-1] == "points.licence_returned"


@pytest.mark.parametrize(
    ("failed_on", "retake_from"),
    [(date(2026, 11, 1), date(2026, 11, 11)), (date(2026, 12, 25), date(2027, 1, 4))],
)
def test_a_failed_exam_is_rebooked_after_ten_days(failed_on: date, retake_from: date) -> None:
    """第21条: 考试不合格的，十日后预约重新考试."""
    assert exam_retake_on(failed_on) == retake_from
