"""The referral's rules, table-driven: the steps between states, the deadline in working days
(处理程序规定 第5条第3款 with 第81条第2款 for an objection), the wait for the citizen added to
it, the overdue test, the unit of a violation's place, and the citizen's texts."""

from __future__ import annotations

import random
from datetime import date

import pytest

from gangting.geo.districts import baotou_districts
from gangting.kernel.calendar import HolidayCalendar
from gangting.referrals.rules import (
    OBJECTION_BASIS,
    WORKING_DAYS_BASIS,
    Outcome,
    ReferralKind,
    ReferralState,
    Step,
    add_working_days,
    brigade_of,
    due_on,
    extended_due_on,
    is_overdue,
    material_refs,
    next_state,
    note_text,
    notice_text,
    place_district,
    working_days_between,
)
from gangting.seed.org import plan_org
from gangting.seed.places import DISTRICT_BY_CODE, camera_sites

R, A, M, F, D = (
    ReferralState.REFERRED,
    ReferralState.ACCEPTED,
    ReferralState.MORE_REQUESTED,
    ReferralState.FINISHED,
    ReferralState.DECLINED,
)
# 2026: 1-8 Oct National Day holidays, Sun 27 Sep and Sat 10 Oct are 调休 working days.
NATIONAL_DAY = HolidayCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 9)),
    extra_workdays=frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
)
PLAIN = HolidayCalendar()


@pytest.mark.parametrize(
    ("state", "step", "after"),
    [
        (R, Step.ACCEPT, A),
        (R, Step.FINISH, F),
        (R, Step.DECLINE, D),
        (R, Step.REQUEST_MORE, None),  # accept first
        (R, Step.SUPPLY, None),  # nothing was asked
        (A, Step.REQUEST_MORE, M),
        (A, Step.FINISH, F),
        (A, Step.DECLINE, D),
        (A, Step.ACCEPT, None),
        (M, Step.SUPPLY, A),  # the citizen supplies: the unit works on it again
        (M, Step.FINISH, None),  # not while waiting for the citizen
        (M, Step.DECLINE, D),
        (M, Step.ACCEPT, None),
        (F, Step.DECLINE, None),  # closed
        (F, Step.FINISH, None),
        (D, Step.ACCEPT, None),
        (D, Step.SUPPLY, None),
    ],
)
def test_steps_follow_the_states(
    state: ReferralState, step: Step, after: ReferralState | None
) -> None:
    assert next_state(state, step) == after


@pytest.mark.parametrize(
    ("start", "days", "calendar", "expected"),
    [
        # Thu 26 Nov 2026 + 5 working days: Fri, Mon, Tue, Wed, Thu -> Thu 3 Dec
        (date(2026, 11, 26), 5, PLAIN, date(2026, 12, 3)),
        # filed on a Saturday: the five days start on Monday
        (date(2026, 11, 28), 5, PLAIN, date(2026, 12, 4)),
        (date(2026, 11, 26), 0, PLAIN, date(2026, 11, 26)),
        # Wed 30 Sep: 1-8 Oct off, Sat 10 Oct worked -> Fri 9, Sat 10, Mon 12, Tue 13, Wed 14
        (date(2026, 9, 30), 5, NATIONAL_DAY, date(2026, 10, 14)),
        # Sat 26 Sep: Sun 27 Sep is a 调休 working day
        (date(2026, 9, 26), 1, NATIONAL_DAY, date(2026, 9, 27)),
    ],
)
def test_working_days_skip_weekends_and_holidays_but_count_tiaoxiu(
    start: date, days: int, calendar: HolidayCalendar, expected: date
) -> None:
    assert add_working_days(start, days, calendar) == expected


def test_an_objection_has_five_working_days_whatever_the_setting() -> None:
    """处理程序规定 第5条第3款 "五日内予以审查"; 第81条第2款: 五日 are working days."""
    filed = date(2026, 11, 26)
    assert due_on(ReferralKind.OBJECTION, filed, 15, PLAIN) == date(2026, 12, 3)
    assert due_on(ReferralKind.REFERRAL, filed, 10, PLAIN) == date(2026, 12, 10)
    assert "第5条第3款" in OBJECTION_BASIS and "第81条第2款" in WORKING_DAYS_BASIS


@pytest.mark.parametrize(
    ("due", "asked", "supplied", "waited", "expected"),
    [
        # asked Mon 30 Nov, supplied Wed 2 Dec: 2 working days waited -> Thu 3 + 2 = Mon 7
        (date(2026, 12, 3), date(2026, 11, 30), date(2026, 12, 2), 2, date(2026, 12, 7)),
        # supplied the same day: nothing added
        (date(2026, 12, 3), date(2026, 11, 30), date(2026, 11, 30), 0, date(2026, 12, 3)),
        # asked Fri, supplied Sat: no working day waited
        (date(2026, 12, 3), date(2026, 11, 27), date(2026, 11, 28), 0, date(2026, 12, 3)),
    ],
)
def test_waiting_for_the_citizen_extends_the_deadline(
    due: date, asked: date, supplied: date, waited: int, expected: date
) -> None:
    assert working_days_between(asked, supplied, PLAIN) == waited
    assert extended_due_on(due, asked, supplied, PLAIN) == expected


@pytest.mark.parametrize(
    ("state", "today", "overdue"),
    [
        (R, date(2026, 12, 3), False),  # the due day itself is still in time
        (R, date(2026, 12, 4), True),
        (A, date(2026, 12, 4), True),
        (M, date(2026, 12, 4), False),  # waiting for the citizen
        (F, date(2026, 12, 30), False),
        (D, date(2026, 12, 30), False),
    ],
)
def test_overdue_only_while_the_unit_owes_the_move(
    state: ReferralState, today: date, overdue: bool
) -> None:
    assert is_overdue(state, date(2026, 12, 3), today) is overdue


DISTRICTS = {"150203": "昆都仑区", "150204": "青山区", "150206": "白云鄂博矿区"}


@pytest.mark.parametrize(
    ("place", "district"),
    [
        ("昆都仑区钢铁大街与友谊大街交叉口", "150203"),
        ("青山区幸福路120号路段", "150204"),
        ("白云鄂博矿区矿山路与白云大街交叉口", "150206"),
        ("  青山区幸福路  ", "150204"),
        ("钢铁大街与民族东路交叉口", None),  # no district named: the caller falls back
        ("", None),
    ],
)
def test_the_place_belongs_to_the_district_it_starts_with(place: str, district: str | None) -> None:
    assert place_district(place, DISTRICTS) == district


def test_the_longest_district_name_wins() -> None:
    assert place_district("白云鄂博矿区矿山路", {"1": "白云", "2": "白云鄂博矿区"}) == "2"


def test_the_brigade_of_a_district_is_named_after_it() -> None:
    brigades = {
        "KDL": "包头市公安局交通管理支队昆都仑区大队",
        "QS": "包头市公安局交通管理支队青山区大队",
    }
    assert brigade_of("青山区", brigades) == "QS"
    assert brigade_of("九原区", brigades) is None


@pytest.mark.parametrize(
    ("note", "required", "expected"),
    [
        ("  请补充身份证复印件 ", True, "请补充身份证复印件"),
        ("", False, None),
        (None, False, None),
    ],
)
def test_a_note_is_trimmed(note: str | None, required: bool, expected: str | None) -> None:
    assert note_text(note, required=required) == expected


@pytest.mark.parametrize(("note", "required"), [("", True), ("  ", True), ("好", False)])
def test_a_blank_or_one_character_note_is_refused(note: str, required: bool) -> None:
    with pytest.raises(ValueError):
        note_text(note, required=required)


def test_material_references_are_trimmed_and_deduplicated() -> None:
    assert material_refs([" EV-1", "EV-2", "EV-1 "]) == ["EV-1", "EV-2"]
    for bad in ([""], ["x" * 129], [f"EV-{i}" for i in range(21)]):
        with pytest.raises(ValueError):
            material_refs(bad)


def _text(
    kind: ReferralKind, step: Step, note: str | None = None, outcome: Outcome | None = None
) -> str:
    return notice_text(
        kind,
        step,
        referral_no="YY1",
        matter="交通违法异议",
        unit_name="青山区大队",
        due=date(2026, 12, 3),
        note=note,
        outcome=outcome,
    )


def test_the_texts_say_each_step_and_the_objections_answer() -> None:
    filed = _text(ReferralKind.OBJECTION, Step.REFER)
    assert "青山区大队" in filed and "2026-12-03" in filed and "暂不处理" in filed
    upheld = _text(ReferralKind.OBJECTION, Step.FINISH, "号牌被套用", Outcome.UPHELD)
    assert "异议成立" in upheld and "消除" in upheld
    rejected = _text(ReferralKind.OBJECTION, Step.FINISH, "证据清楚", Outcome.REJECTED)
    assert "异议不成立" in rejected and "证据清楚" in rejected
    more = _text(ReferralKind.REFERRAL, Step.REQUEST_MORE, "户口本")
    assert "补充材料" in more and "户口本" in more


def test_every_demo_camera_site_finds_its_districts_brigade() -> None:
    """The rule holds for the demo city: each seeded camera site (seed.places) starts with its
    district's name, and each district's brigade (seed.org) is named after it."""
    names = {code: shape.name for code, shape in baotou_districts().items()}
    for code, places in camera_sites(random.Random(7), per_district=8).items():
        for place in places:
            assert place_district(place, names) == code, place
    plan = plan_org(random.Random(1), 9, demo_secrets=False)
    brigades = {u.code: u.name for u in plan.units if u.kind == "brigade"}
    for code, name in names.items():
        assert brigade_of(name, brigades) == DISTRICT_BY_CODE[code].abbr
