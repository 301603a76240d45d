"""The rating services on a real database (SQLite, and PostgreSQL when reachable): links
issued once and used once, one rating per application whichever channel comes first, the
remedy workflow step by step with its audit trail, escalation exactly once per overdue step,
and the indicators against hand-counted data."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.alerts.models import Alert
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.desks.remedy_escalations import escalate_overdue_remedies
from gangting.ratings import remedies, service
from gangting.ratings.errors import (
    AlreadyRated,
    LinkExpired,
    LinkUnknown,
    LinkUsed,
    ReasonRequired,
    RemedyNoteRequired,
    RemedyStateConflict,
)
from gangting.ratings.indicators import IndicatorRow, rating_indicators
from gangting.ratings.models import BadReviewRemedy, Rating, RatingLink, RemedyEscalation
from gangting.staff.errors import OutOfScope, RoleRequired
from gangting.staff.models import OrgUnit
from tests import builders
from tests.desks.conftest import Api
from tests.ratings.helpers import (
    application,
    at,
    booth_actor,
    link,
    rate_kiosk,
    rate_link,
    staff_actor,
)


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def test_a_link_is_issued_once_stored_hashed_and_rates_its_application_once(
    api: Api, world: dict[str, Any]
) -> None:
    actor = booth_actor(api)
    receipt = application(api, actor, world["driver_id"])
    token = link(api, actor, receipt)
    assert token is not None and len(token) >= 30
    assert link(api, actor, receipt) == token  # a replayed answer: the same link, one row
    assert _count(api, RatingLink) == 1
    with api.ctx.uow() as uow:
        row = uow.session.execute(select(RatingLink)).scalar_one()
        assert row.token_hash == service.token_hash(token) and token not in row.token_hash
        view = service.link_view(uow, token)
    assert view["state"] == "usable" and view["receipt_no"] == receipt
    assert [lv["level"] for lv in view["levels"]] == [5, 4, 3, 2, 1]

    answer = rate_link(api, token, 5)
    assert answer["level"] == 5 and answer["remedy"] is None
    assert link(api, actor, receipt) is None  # rated: no link to give any more
    with pytest.raises(LinkUsed) as refused:
        rate_link(api, token, 4)
    assert refused.value.code == "ratings.link_used"
    with api.ctx.uow() as uow:
        rating = uow.session.execute(select(Rating)).scalar_one()
        assert (rating.level, rating.channel) == (5, "link")
        assert service.link_view(uow, token)["state"] == "used"
    with pytest.raises(AlreadyRated):  # the kiosk cannot rate it again either
        rate_kiosk(api, actor, receipt, 3)
    assert _count(api, Rating) == 1


def test_a_kiosk_rating_uses_the_link_up(api: Api, world: dict[str, Any]) -> None:
    actor = booth_actor(api)
    receipt = application(api, actor, world["driver_id"])
    token = link(api, actor, receipt)
    assert token is not None
    rate_kiosk(api, actor, receipt, 4)
    with pytest.raises(LinkUsed):
        rate_link(api, token, 1, "态度差")
    assert _count(api, Rating) == 1 and _count(api, BadReviewRemedy) == 0


def test_links_only_for_finished_booth_applications_and_only_until_they_expire(
    api: Api, world: dict[str, Any]
) -> None:
    actor = booth_actor(api)
    pending = application(api, actor, world["driver_id"], state="pending")
    assert link(api, actor, pending) is None
    assert link(api, actor, "SL-NONE") is None
    refused = application(api, actor, world["driver_id"], state="refused")
    token = link(api, actor, refused)
    assert token is not None
    with pytest.raises(ReasonRequired):  # a bad rating without a reason uses nothing up
        rate_link(api, token, 2, "  ")
    api.clock.advance(timedelta(days=30))
    with pytest.raises(LinkExpired) as expired:
        rate_link(api, token, 5)
    assert expired.value.http_status == 410
    with pytest.raises(LinkUnknown):
        rate_link(api, "x" * 32, 5)
    assert _count(api, Rating) == 0


def _bad_rating(api: Api, world: dict[str, Any], code: str = "BT-KDL-001") -> uuid.UUID:
    actor = booth_actor(api, code)
    receipt = application(api, actor, world["driver_id"])
    token = link(api, actor, receipt)
    assert token is not None
    answer = rate_link(api, token, 1, "等候时间太长，无人指导")
    assert answer["remedy"]["state"] == "assigned"
    with api.ctx.uow() as uow:
        remedy_id: uuid.UUID = uow.session.execute(
            select(BadReviewRemedy.id).where(
                BadReviewRemedy.rating_id == uuid.UUID(answer["rating_id"])
            )
        ).scalar_one()
    return remedy_id


def _step(api: Api, who: str, remedy_id: uuid.UUID, action: str, **kw: Any) -> dict[str, Any]:
    actor = staff_actor(api, who)
    with api.ctx.uow() as uow:
        return remedies.advance_remedy(
            uow,
            actor,
            remedy_id,
            action,
            note=kw.pop("note", f"{action} 情况说明"),
            policy=service.remedy_policy(api.ctx.settings),
            calendar=api.ctx.calendar,
            **kw,
        )


def test_the_remedy_goes_to_the_booths_unit_and_moves_step_by_step_audited(
    api: Api, world: dict[str, Any]
) -> None:
    at(api, 2026, 11, 26)  # Thursday
    remedy_id = _bad_rating(api, world)
    with api.ctx.uow() as uow:
        remedy = uow.session.get(BadReviewRemedy, remedy_id)
        assert remedy is not None
        unit = uow.session.get(OrgUnit, remedy.org_unit_id)
        assert unit is not None and unit.code == "KDL"
        assert remedy.contact_due_on.isoformat() == "2026-11-27"  # type: ignore[union-attr]
        assert remedy.due_on.isoformat() == "2026-12-03"

    with pytest.raises(RemedyStateConflict):
        _step(api, "off-kdl", remedy_id, "fix")
    with pytest.raises(OutOfScope):  # another brigade's officer
        _step(api, "off-qs", remedy_id, "contact")
    a_booth = booth_actor(api)
    with api.ctx.uow() as uow, pytest.raises(RoleRequired):
        remedies.get_remedy(uow, a_booth, remedy_id)
    with pytest.raises(RemedyNoteRequired):
        _step(api, "off-kdl", remedy_id, "contact", note="   ")

    contacted = _step(api, "off-kdl", remedy_id, "contact", complex_matter=True)
    assert contacted["state"] == "contacted" and contacted["complex_matter"] is True
    assert contacted["due_on"] == "2026-12-17"  # 15 working days for a complex matter
    assert _step(api, "sup-kdl", remedy_id, "fix")["state"] == "fixed"
    assert _step(api, "off-kdl", remedy_id, "return_visit")["state"] == "return_visited"
    with pytest.raises(RemedyNoteRequired) as no_answer:
        _step(api, "off-kdl", remedy_id, "close", citizen_answer=None)
    assert no_answer.value.code == "ratings.citizen_answer_required"
    closed = _step(
        api, "admin", remedy_id, "close", citizen_answer="satisfied", note="已回访，群众满意"
    )
    assert closed["state"] == "closed" and closed["citizen_answer"] == "satisfied"
    assert closed["result"] == "已回访，群众满意" and closed["overdue_steps"] == []
    with pytest.raises(RemedyStateConflict):
        _step(api, "off-kdl", remedy_id, "close", citizen_answer="satisfied")

    officer, other = staff_actor(api, "off-kdl"), staff_actor(api, "off-qs")
    with api.ctx.uow() as uow:
        actions = list(
            uow.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.subject_id == str(remedy_id))
                .order_by(AuditEntry.at, AuditEntry.id)
            ).scalars()
        )
        listed = remedies.list_remedies(uow, officer)
        assert remedies.list_remedies(uow, other) == []
    assert sorted(actions) == sorted(
        [
            "bad_review_remedy.opened",
            "bad_review_remedy.assigned",
            "bad_review_remedy.contacted",
            "bad_review_remedy.fixed",
            "bad_review_remedy.return_visited",
            "bad_review_remedy.closed",
        ]
    )
    assert [r["remedy_id"] for r in listed] == [str(remedy_id)]


def test_overdue_steps_are_escalated_to_the_parent_unit_exactly_once(
    api: Api, world: dict[str, Any]
) -> None:
    at(api, 2026, 11, 26)
    late = _bad_rating(api, world)
    on_time = _bad_rating(api, world)
    _step(api, "off-kdl", on_time, "contact")  # contacted in time: no contact escalation

    at(api, 2026, 11, 27, 23)  # the contact due day itself: nothing yet
    with api.ctx.uow() as uow:
        assert escalate_overdue_remedies(uow)["escalated"] == 0
    at(api, 2026, 11, 28)
    with api.ctx.uow() as uow:
        first = escalate_overdue_remedies(uow)
    assert first["steps"] == [f"{late}:contact"]
    for _ in range(2):
        with api.ctx.uow() as uow:
            assert escalate_overdue_remedies(uow)["escalated"] == 0

    at(api, 2026, 12, 4)  # both past their 5-working-day due date (3 Dec)
    with api.ctx.uow() as uow:
        second = escalate_overdue_remedies(uow)
    assert sorted(second["steps"]) == sorted([f"{late}:close", f"{on_time}:close"])
    with api.ctx.uow() as uow:
        assert escalate_overdue_remedies(uow)["escalated"] == 0

    officer = staff_actor(api, "off-kdl")
    with api.ctx.uow() as uow:
        top = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "BT")).scalar_one()
        alerts = list(uow.session.execute(select(Alert).order_by(Alert.raised_at)).scalars())
        remedy = uow.session.get(BadReviewRemedy, late)
        assert remedy is not None and remedy.escalated_to_unit_id == top.id
        view = remedies.get_remedy(uow, officer, late)
    assert len(alerts) == 3 and {a.kind for a in alerts} == {"missed_deadline"}
    assert {a.org_unit_id for a in alerts} == {top.id}
    assert sorted(a.cause for a in alerts) == ["close", "close", "contact"]
    assert _count(api, RemedyEscalation) == 3
    assert view["escalated"] is True and view["overdue_steps"] == ["contact", "close"]


def _walk_to_close(api: Api, remedy_id: uuid.UUID) -> None:
    for action in ("contact", "fix", "return_visit"):
        _step(api, "off-kdl", remedy_id, action)
    _step(api, "off-kdl", remedy_id, "close", citizen_answer="not_satisfied")


def test_the_indicators_agree_with_hand_counted_data(api: Api, world: dict[str, Any]) -> None:
    with api.ctx.uow() as uow:
        kdl = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "KDL")).scalar_one()
        squad = builders.org_unit(uow, "KDL-1", kdl, kind="squadron")
        builders.booth(uow, squad, code="BT-KDL-002")
    k1, k2, q1 = (booth_actor(api, c) for c in ("BT-KDL-001", "BT-KDL-002", "BT-QS-001"))
    driver = world["driver_id"]

    at(api, 2026, 10, 30)  # outside the period
    old = application(api, q1, driver)
    rate_kiosk(api, q1, old, 5)

    at(api, 2026, 11, 26)  # KDL-001: 3 applications, 3 ratings (one without a receipt)
    a1, a2 = application(api, k1, driver), application(api, k1, driver)
    application(api, k1, driver, state="refused")
    application(api, k1, driver, state="pending")  # not finished: not counted
    rate_kiosk(api, k1, a1, 5)
    token = link(api, k1, a2)
    assert token is not None
    rate_link(api, token, 1, "窗口无人")
    rate_kiosk(api, k1, None, 4)
    with api.ctx.uow() as uow:
        r_a2 = uow.session.execute(
            select(BadReviewRemedy.id).where(BadReviewRemedy.state == "assigned")
        ).scalar_one()
    at(api, 2026, 11, 30)
    _walk_to_close(api, r_a2)  # due 3 Dec: on time

    at(api, 2026, 12, 2)  # KDL-002 (a squadron of KDL): 2 applications, 1 bad rating
    b1 = application(api, k2, driver)
    application(api, k2, driver)
    rate_kiosk(api, k2, b1, 2, "系统故障")
    with api.ctx.uow() as uow:
        r_b1 = uow.session.execute(
            select(BadReviewRemedy.id).where(BadReviewRemedy.state == "assigned")
        ).scalar_one()
    at(api, 2026, 12, 10)
    _walk_to_close(api, r_b1)  # due 9 Dec: late

    at(api, 2026, 12, 3)  # QS: 1 application rated 3
    c1 = application(api, q1, driver)
    rate_kiosk(api, q1, c1, 3)

    def rows(by: Any) -> dict[str, IndicatorRow]:
        with api.ctx.uow() as uow:
            found = rating_indicators(
                uow.session, start=date(2026, 11, 1), end=date(2026, 12, 31), by=by
            )
        return {r.key: r for r in found}

    booths = rows("booth")
    assert set(booths) == {"BT-KDL-001", "BT-KDL-002", "BT-QS-001"}
    k1_row = booths["BT-KDL-001"]
    assert (k1_row.applications, k1_row.ratings, k1_row.good, k1_row.bad) == (3, 3, 2, 1)
    assert (k1_row.remedies_closed, k1_row.remedies_on_time) == (1, 1)
    assert k1_row.rating_rate == 1.0 and k1_row.good_rate == pytest.approx(2 / 3)
    assert (k1_row.fix_rate, k1_row.on_time_rate) == (1.0, 1.0)
    k2_row = booths["BT-KDL-002"]
    assert (k2_row.applications, k2_row.ratings, k2_row.good, k2_row.bad) == (2, 1, 0, 1)
    assert (k2_row.rating_rate, k2_row.good_rate, k2_row.fix_rate, k2_row.on_time_rate) == (
        0.5,
        0.0,
        1.0,
        0.0,
    )
    q1_row = booths["BT-QS-001"]
    assert (q1_row.applications, q1_row.ratings, q1_row.bad) == (1, 1, 0)
    assert (q1_row.fix_rate, q1_row.on_time_rate) == (None, None)

    brigades = rows("brigade")
    assert set(brigades) == {"KDL", "QS"} and brigades["KDL"].label == "单位KDL"
    kdl_row = brigades["KDL"]
    assert (kdl_row.applications, kdl_row.ratings, kdl_row.good, kdl_row.bad) == (5, 4, 2, 2)
    assert (kdl_row.remedies_closed, kdl_row.remedies_on_time) == (2, 1)
    assert (kdl_row.rating_rate, kdl_row.good_rate, kdl_row.fix_rate) == (0.8, 0.5, 1.0)
    assert kdl_row.on_time_rate == 0.5

    months = rows("month")
    assert set(months) == {"2026-11", "2026-12"} and months["2026-11"].label == "2026年11月"
    nov, dec = months["2026-11"], months["2026-12"]
    assert (nov.applications, nov.ratings, nov.good, nov.bad, nov.remedies_on_time) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert (dec.applications, dec.ratings, dec.good, dec.bad, dec.remedies_closed) == (
        3,
        2,
        0,
        1,
        1,
    )
    assert dec.on_time_rate == 0.0

    with api.ctx.uow() as uow:
        qs_booth = uow.session.execute(select(Booth.id).where(Booth.code == "BT-QS-001")).scalar()
        only = rating_indicators(
            uow.session,
            start=date(2026, 11, 1),
            end=date(2026, 12, 31),
            by="booth",
            booth_ids={qs_booth} if qs_booth else set(),
        )
    assert [r.key for r in only] == ["BT-QS-001"]


def test_the_worklist_filters_counts_working_days_and_tells_each_remedys_history(
    api: Api, world: dict[str, Any]
) -> None:
    at(api, 2026, 11, 26)  # Thursday: contact by Fri 27, close by Thu 3 Dec
    late, complex_, done = (_bad_rating(api, world) for _ in range(3))
    _step(api, "off-kdl", complex_, "contact", complex_matter=True)
    _step(api, "off-kdl", done, "contact", note="电话联系评价人，情况属实")
    for action in ("fix", "return_visit"):
        _step(api, "off-kdl", done, action)
    _step(api, "off-kdl", done, "close", note="群众认可", citizen_answer="satisfied")
    officer, other = staff_actor(api, "off-kdl"), staff_actor(api, "off-qs")

    def ids(who: Any, status: str) -> list[str]:
        with api.ctx.uow() as uow:
            rows = remedies.list_remedies(uow, who, status=status, calendar=api.ctx.calendar)
        return [r["remedy_id"] for r in rows]

    assert ids(officer, "open") == [str(late), str(complex_)]  # the earliest due first
    assert ids(officer, "closed") == [str(done)]
    assert ids(officer, "overdue") == ids(officer, "escalated") == []
    with api.ctx.uow() as uow:
        view = remedies.get_remedy(uow, officer, late, api.ctx.calendar)
        cx = remedies.get_remedy(uow, officer, complex_, api.ctx.calendar)
        closed = remedies.get_remedy(uow, officer, done, api.ctx.calendar)
    assert (view["next_step"], view["next_due_on"], view["working_days_left"]) == (
        "contact",
        "2026-11-27",
        1,
    )
    assert view["service_zh"] == "交通违法处理" and view["level_zh"] == "非常不满意"
    assert (cx["next_step"], cx["next_due_on"], cx["working_days_left"]) == (
        "fix",
        "2026-12-17",
        15,
    )
    assert closed["next_step"] is None and closed["working_days_left"] is None
    assert [h["action"] for h in closed["history"]] == [
        "opened",
        "assigned",
        "contacted",
        "fixed",
        "return_visited",
        "closed",
    ]
    assert closed["history"][2]["note"] == "电话联系评价人，情况属实"
    assert closed["history"][2]["by"] == "测试officer"
    assert closed["history"][-1]["detail"] == "评价人意见：满意"
    assert "复杂事项" in str(cx["history"][2]["detail"])

    at(api, 2026, 11, 30)  # Monday: the contact of `late` is one working day late
    assert ids(officer, "overdue") == [str(late)] and ids(other, "overdue") == []
    with api.ctx.uow() as uow:
        assert escalate_overdue_remedies(uow)["escalated"] == 1
    assert ids(officer, "escalated") == [str(late)] and ids(other, "escalated") == []
    with api.ctx.uow() as uow:
        view = remedies.get_remedy(uow, officer, late, api.ctx.calendar)
    assert view["working_days_left"] == -1 and view["overdue"] is True
    assert view["history"][-1]["action"] == "escalated"
    assert "联系核实" in str(view["history"][-1]["detail"])
