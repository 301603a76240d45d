"""审验 (驾驶证规定 第72–74条, 第99条), the 70+ certificate lapse (第79条(九)) and the holder's
age limits (第14条 as amended by 172号令, 第65条)."""

from datetime import date

import pytest

from gangting.licences.rules import (
    Accident,
    AccidentLiability,
    ReviewDue,
    classes_over_age,
    health_certificate_lapsed,
    review_due,
    review_outcome,
    review_overdue,
)

END = date(2026, 3, 14)  # a cycle end; the review is due by 2026-04-13 (30 days)
FATAL_EQUAL = Accident(date(2025, 8, 1), 1, 0, AccidentLiability.EQUAL)
FATAL_MINOR = Accident(date(2025, 8, 1), 1, 0, AccidentLiability.MINOR)
SERIOUS_MINOR = Accident(date(2025, 8, 1), 0, 1, AccidentLiability.MINOR)
SERIOUS_NONE = Accident(date(2025, 8, 1), 0, 2, AccidentLiability.NONE)


@pytest.mark.parametrize(
    ("classes", "points", "age", "accidents", "required", "study", "test", "code"),
    [
        # 第72条第3款: large classes with points in the cycle; 3 hours' study (第73条第2款)
        (["B2"], 3, 45, [], True, 180, False, "licences.review_large_class"),
        (["A1", "C1"], 1, 45, [], True, 180, False, "licences.review_large_class"),
        # ... exempt for a cycle with no points
        (["A2"], 0, 45, [], False, 0, False, "licences.review_exempt_no_points"),
        # 第72条第4款: other classes after a fatal accident, equal or greater liability
        (["C1"], 0, 45, [FATAL_EQUAL], True, 180, False, "licences.review_fatal_accident"),
        (["C1"], 0, 45, [FATAL_MINOR], False, 0, False, "licences.review_not_required"),
        # 第72条第5款: 70+ with a liable accident causing serious injury or death; the
        # ability test of 第73条第3款 at the review
        (["C1"], 0, 72, [SERIOUS_MINOR], True, 0, True, "licences.review_seventy_accident"),
        (["C1"], 0, 72, [SERIOUS_NONE], False, 0, False, "licences.review_not_required"),
        (["C1"], 6, 72, [], False, 0, False, "licences.review_not_required"),
    ],
)
def test_who_must_be_reviewed(
    classes: list[str],
    points: int,
    age: int,
    accidents: list[Accident],
    required: bool,
    study: int,
    test: bool,
    code: str,
) -> None:
    due = review_due(
        classes=classes,
        cycle_end=END,
        points_in_cycle=points,
        age_at_cycle_end=age,
        accidents_in_cycle=accidents,
    )
    assert (due.required, due.study_minutes, due.cognitive_test) == (required, study, test)
    assert due.reasons[0].code == code
    assert due.due_by == (date(2026, 4, 13) if required else None)


def _b2_due() -> ReviewDue:
    return review_due(classes=["B2"], cycle_end=END, points_in_cycle=3, age_at_cycle_end=45)


@pytest.mark.parametrize(
    ("completed", "on", "overdue"),
    [
        (False, date(2026, 4, 13), False),  # the 30th day is still in time
        (False, date(2026, 4, 14), True),
        (True, date(2026, 9, 1), False),
    ],
)
def test_review_overdue_after_thirty_days(completed: bool, on: date, overdue: bool) -> None:
    assert review_overdue(_b2_due(), completed, on) is overdue


def test_no_review_due_is_never_overdue() -> None:
    exempt = review_due(classes=["B2"], cycle_end=END, points_in_cycle=0, age_at_cycle_end=45)
    assert review_overdue(exempt, False, date(2030, 1, 1)) is False


def _outcome(due: ReviewDue, **change: object) -> list[str]:
    args: dict[str, object] = {
        "on": date(2026, 4, 1),
        "unprocessed_violations": 0,
        "unprocessed_accidents": 0,
        "study_minutes_done": 180,
        "cognitive_test_passed": None,
        "health_fit": True,
    }
    args.update(change)
    decision = review_outcome(due, **args)  # type: ignore[arg-type]
    return [r.code for r in decision.reasons] if not decision.allowed else []


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        ({}, []),
        ({"unprocessed_violations": 2}, ["licences.review_violations_unprocessed"]),
        ({"unprocessed_accidents": 1}, ["licences.review_accidents_unprocessed"]),
        ({"health_fit": False}, ["licences.review_health_unfit"]),
        ({"study_minutes_done": 179}, ["licences.review_study_short"]),
    ],
)
def test_review_fails_on_each_condition_of_article_73(
    change: dict[str, object], codes: list[str]
) -> None:
    """第73条第4款: unprocessed violations or accidents, body unfit, study not taken."""
    assert _outcome(_b2_due(), **change) == codes


@pytest.mark.parametrize(
    ("passed", "codes"),
    [
        (None, ["licences.review_cognitive_test_missing"]),
        (False, ["licences.review_cognitive_test_failed"]),
        (True, []),
    ],
)
def test_seventy_plus_needs_the_ability_test(passed: bool | None, codes: list[str]) -> None:
    """第73条第3款: 70+ at the review — 记忆力、判断力、反应力 tested."""
    due = review_due(
        classes=["C1"],
        cycle_end=END,
        points_in_cycle=0,
        age_at_cycle_end=71,
        accidents_in_cycle=[SERIOUS_MINOR],
    )
    assert _outcome(due, cognitive_test_passed=passed, study_minutes_done=0) == codes


def test_a_late_review_passes_and_says_it_is_late() -> None:
    decision = review_outcome(
        _b2_due(),
        on=date(2026, 5, 1),
        unprocessed_violations=0,
        unprocessed_accidents=0,
        study_minutes_done=200,
        cognitive_test_passed=None,
    )
    assert decision.allowed
    assert [r.code for r in decision.reasons] == ["licences.review_passed", "licences.review_late"]
    assert any("第99条" in b for b in decision.legal_basis)


def test_a_review_not_due_is_refused_with_the_exemption() -> None:
    exempt = review_due(classes=["B2"], cycle_end=END, points_in_cycle=0, age_at_cycle_end=45)
    assert _outcome(exempt) == ["licences.review_exempt_no_points"]


@pytest.mark.parametrize(
    ("birth", "cycle_end", "on", "submitted", "lapsed"),
    [
        # 70 at the cycle end, a year and a day later, nothing submitted → to be cancelled
        (date(1955, 1, 1), date(2025, 7, 31), date(2026, 8, 1), False, True),
        # exactly one year after: not yet
        (date(1955, 1, 1), date(2025, 7, 31), date(2026, 7, 31), False, False),
        # submitted (even late, 第79条第4款): restored
        (date(1955, 1, 1), date(2025, 7, 31), date(2026, 8, 1), True, False),
        # 69 at the cycle end: no duty
        (date(1956, 8, 1), date(2025, 7, 31), date(2026, 8, 1), False, False),
    ],
)
def test_seventy_plus_certificate_missing_a_year_lapses_the_licence(
    birth: date, cycle_end: date, on: date, submitted: bool, lapsed: bool
) -> None:
    """第79条第1款(九): 70+, no certificate within a year after the cycle end."""
    assert health_certificate_lapsed(birth, cycle_end, on, submitted) is lapsed


@pytest.mark.parametrize(
    ("classes", "birth", "on", "over"),
    [
        # 172号令 from 2025-01-01: B2 up to 63; 64 is over
        (["B2"], date(1962, 1, 1), date(2026, 11, 26), ["B2"]),
        (["B2"], date(1963, 1, 1), date(2026, 11, 26), []),
        # 162号令 before 2025: B2 up to 60
        (["B2"], date(1963, 1, 1), date(2024, 6, 1), ["B2"]),
        # C1 has no upper limit; D/E up to 70 under 172
        (["C1", "E"], date(1950, 1, 1), date(2026, 11, 26), ["E"]),
        (["C1"], date(1930, 1, 1), date(2026, 11, 26), []),
    ],
)
def test_classes_over_the_age_limit_at_renewal(
    classes: list[str], birth: date, on: date, over: list[str]
) -> None:
    """第14条 (172号令) and 第65条: past the upper age a class is exchanged for a lower one."""
    reasons = classes_over_age(classes, birth, on)
    assert [r.data["class"] for r in reasons] == over
    assert all(any("第65条" in b for b in r.legal_basis) for r in reasons)
