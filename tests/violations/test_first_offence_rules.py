"""首违不罚 (行政处罚法 第33条第1款), the pure rule: listed code, the driver's first act of it in
the list's period, no harm recorded. Table-driven; no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gangting.violations.first_offence import load_first_offence_list
from gangting.violations.rules import (
    EDUCATION_BASIS,
    FIRST_OFFENCE_BASIS,
    FirstOffenceList,
    first_offence,
)

ZONE = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 6, 10, 0, tzinfo=ZONE)
LISTED = FirstOffenceList(frozenset({"1102", "1208"}), 365, "test list")
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("case", "code", "earlier", "harm", "refusals"),
    [
        ("listed, never before", "1102", [], False, []),
        ("listed, the same code 366 days before", "1102", [AT - 366 * DAY], False, []),
        ("an act later than this one does not count", "1102", [AT + DAY], False, []),
        (
            "the same code exactly 365 days before counts",
            "1102",
            [AT - 365 * DAY],
            False,
            ["violations.first_offence_not_first"],
        ),
        (
            "the same code 10 days before",
            "1102",
            [AT - 10 * DAY],
            False,
            ["violations.first_offence_not_first"],
        ),
        ("not on the list", "1625", [], False, ["violations.first_offence_not_listed"]),
        ("harm recorded", "1208", [], True, ["violations.first_offence_harm"]),
        (
            "every condition fails: every reason is given",
            "1625",
            [AT - DAY],
            True,
            [
                "violations.first_offence_not_listed",
                "violations.first_offence_not_first",
                "violations.first_offence_harm",
            ],
        ),
    ],
)
def test_first_offence_eligibility(
    case: str, code: str, earlier: list[datetime], harm: bool, refusals: list[str]
) -> None:
    verdict = first_offence(code, AT, earlier, harm_recorded=harm, listed=LISTED)
    assert verdict.allowed is (not refusals), case
    if refusals:
        assert [r.code for r in verdict.reasons] == refusals
        assert all(FIRST_OFFENCE_BASIS in r.legal_basis for r in verdict.reasons)


def test_an_eligible_act_is_no_penalty_with_education_and_no_points() -> None:
    verdict = first_offence("1208", AT, [], harm_recorded=False, listed=LISTED)
    codes = [r.code for r in verdict.reasons]
    assert codes == [
        "violations.first_offence",
        "violations.first_offence_education",
        "points.not_recorded_without_penalty",
    ]
    assert FIRST_OFFENCE_BASIS in verdict.legal_basis and EDUCATION_BASIS in verdict.legal_basis
    # points go with a penalty decision (第13条); a warning takes none (第28条)
    assert any("第13条" in b for b in verdict.reasons[2].legal_basis)
    assert any("第28条" in b for b in verdict.reasons[2].legal_basis)
    assert "不予行政处罚" in verdict.reasons[0].message


def test_a_shorter_period_lets_an_older_act_pass() -> None:
    short = FirstOffenceList(frozenset({"1102"}), 30, "test")
    assert first_offence("1102", AT, [AT - 31 * DAY], harm_recorded=False, listed=short).allowed
    assert not first_offence("1102", AT, [AT - 30 * DAY], harm_recorded=False, listed=short).allowed


def test_the_packaged_list_is_marked_as_an_example_with_codes_of_the_catalogue() -> None:
    from gangting.violations.catalogue import load_catalogue

    packaged = load_first_offence_list(None)
    assert packaged.example is True and "EXAMPLE" in packaged.source
    assert packaged.period_days == 365
    catalogue = {e.code: e for e in load_catalogue()}
    assert packaged.codes <= set(catalogue)
    # only acts a booth may process (simple procedure) and of at most 1 point
    assert all(catalogue[c].camera_processable for c in packaged.codes)
    assert all((catalogue[c].points or 0) <= 1 for c in packaged.codes)


@pytest.mark.parametrize(
    "text",
    [
        '{"example": false, "period_days": 0, "codes": [{"code": "1102"}]}',
        '{"example": false, "period_days": 365, "codes": [{"code": " "}]}',
    ],
)
def test_a_malformed_list_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        FirstOffenceList.from_json(text)
