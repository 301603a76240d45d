"""What a late-fee pause (行政复议/诉讼期间) must hold: a case number, dates within bounds,
and both stored shapes of a pause read back."""

from __future__ import annotations

from datetime import date

import pytest

from gangting.fines.errors import (
    CaseNumberInvalid,
    PauseBeforeDecision,
    PauseDatesInvalid,
    PauseNotStarted,
    PauseTooLong,
)
from gangting.fines.rules import Pause, case_number, check_pause_dates, late_fee

DECIDED = date(2026, 10, 12)
TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    "text",
    [
        "（2026）内0203行初45号",
        "(2026)内02行终7号",
        "包府行复〔2026〕12号",
        "内公复决字〔2026〕第3号",
        "  包府行复[2026]12号 ",
    ],
)
def test_court_and_review_case_numbers_are_accepted_trimmed(text: str) -> None:
    assert case_number(text) == text.strip()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "blank"),
        ("    ", "blank"),
        ("\t\n", "blank"),
        ("12号", "format"),
        ("2026-12", "format"),
        ("（2026）内0203行初45", "format"),  # no 号
        ("包府行复〔26〕12号", "format"),  # no four-digit year
        ("'; DROP TABLE x;--（2026）1号", "format"),
        ("包" * 60 + "〔2026〕12号", "format"),  # longer than 64
    ],
)
def test_a_blank_or_malformed_case_number_is_refused(text: str, reason: str) -> None:
    with pytest.raises(CaseNumberInvalid) as refused:
        case_number(text)
    assert refused.value.code == "fines.case_no_invalid"
    assert refused.value.http_status == 422
    assert refused.value.data["reason"] == reason
    assert "案号" in refused.value.message


def check(start: date, end: date | None, max_days: int = 180) -> None:
    check_pause_dates(start, end, decided_on=DECIDED, today=TODAY, max_days=max_days)


def test_a_pause_within_the_bounds_holds() -> None:
    check(DECIDED, None)
    check(DECIDED, DECIDED)
    check(TODAY, date(2027, 5, 25))  # today + 180


def test_a_pause_before_the_decision_is_refused() -> None:
    with pytest.raises(PauseBeforeDecision) as refused:
        check(date(1900, 1, 1), date(2026, 11, 1))
    assert refused.value.data["decided_on"] == "2026-10-12"
    with pytest.raises(PauseBeforeDecision):
        check(date(2026, 10, 11), None)


def test_a_pause_is_registered_once_begun() -> None:
    with pytest.raises(PauseNotStarted):
        check(date(2026, 11, 27), None)


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(PauseDatesInvalid):
        check(date(2026, 11, 10), date(2026, 11, 9))


def test_an_end_past_the_limit_is_refused() -> None:
    with pytest.raises(PauseTooLong) as refused:
        check(DECIDED, date(2999, 12, 31))
    assert refused.value.data == {"end": "2999-12-31", "latest": "2027-05-25", "max_days": 180}
    with pytest.raises(PauseTooLong):
        check(DECIDED, date(2026, 12, 7), max_days=10)
    check(DECIDED, date(2026, 12, 6), max_days=10)


def test_old_two_element_pauses_and_new_ones_read_back() -> None:
    old = Pause.from_json(["2026-11-07", "2026-11-16"])
    assert old == Pause(date(2026, 11, 7), date(2026, 11, 16), None, None)
    assert Pause.from_json(["2026-11-07", None]).end is None
    new = Pause(date(2026, 11, 7), None, "包府行复〔2026〕12号", "review")
    assert new.to_json() == ["2026-11-07", None, "包府行复〔2026〕12号", "review"]
    assert Pause.from_json(new.to_json()) == new


def test_the_1900_to_2999_pause_could_have_zeroed_the_late_fee() -> None:
    # why the bounds matter: such a pause covers every late day
    fee = late_fee(
        20_000, date(2026, 10, 27), TODAY, paused=[(date(1900, 1, 1), date(2999, 12, 31))]
    )
    assert fee.amount_fen == 0
