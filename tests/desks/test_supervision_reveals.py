"""Reveals of a citizen's personal data (docs/decisions/0012): inside the revealer's unit
(an application, a penalty decision or a payment at one of its booths) a supervisor reveals
on their own key, audited; outside it the one-key reveal is refused (and that refusal
audited), the reveal becomes a pending approval that another supervisor with jurisdiction
over the revealer's unit approves, and the maker then sees the data exactly once, audited.
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gangting.applications.models import Application
from gangting.approvals.models import Approval
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.citizens.models import Citizen
from gangting.fines.models import Payment
from gangting.staff.models import OrgUnit, StaffAccount
from tests import builders
from tests.approvals.helpers import APPROVALS, add_supervisor, decide, get
from tests.desks.conftest import Api

REASON = "投诉工单号GD20261126001核查"
REVEALS = "/api/v1/staff/citizen-reveals"


@pytest.fixture
def staffed(api: Api, world: dict[str, Any]) -> dict[str, Any]:
    """The world, with a second supervisor in each brigade (QS: the driver's outsiders)."""
    add_supervisor(api, "sup-kdl-2")
    add_supervisor(api, "sup-qs", "QS")
    add_supervisor(api, "sup-qs-2", "QS")
    return world


def plant(api: Api, world: dict[str, Any], record: str, booth_code: str = "BT-KDL-001") -> None:
    """One record of the driver at ``booth_code``: what makes them of that booth's unit."""
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == booth_code)).scalar_one()
        person = uow.session.get_one(Citizen, world["driver_id"])
        now = api.clock.now()
        if record == "application":
            uow.session.add(
                Application(
                    receipt_no=f"SL{uuid.uuid4().hex[:10]}",
                    service_item="renewal",
                    state="completed",
                    citizen_id=person.id,
                    booth_id=booth.id,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif record == "decision":
            car = builders.vehicle(uow, person, "蒙B54321")
            builders.overdue_decision(
                uow, person, car, date(2010, 3, 15), decided_on=date(2026, 10, 1), booth_id=booth.id
            )
        else:
            uow.session.add(
                Payment(
                    payment_no=f"PAY{uuid.uuid4().hex[:10]}",
                    citizen_id=person.id,
                    booth_id=booth.id,
                    amount_fen=20000,
                    state="succeeded",
                    created_at=now,
                )
            )


def look_up(api: Api, username: str, id_number: str, reason: str = REASON) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.get(
        f"/api/v1/staff/citizens/{id_number}",
        params={"reason": reason, "reveal": "true"},
        headers=headers,
    )


def ask(api: Api, username: str, id_number: str, reason: str = REASON) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(username)}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    return api.client.post(
        REVEALS, json={"id_number": id_number, "reason": reason}, headers=headers
    )


def collect(api: Api, username: str, approval_id: str) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.post(f"{REVEALS}/{approval_id}/collect", headers=headers)


def entries(api: Api, action: str) -> list[AuditEntry]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.at)
            ).scalars()
        )


def staff_id(api: Api, username: str) -> str:
    with api.ctx.uow() as uow:
        return str(
            uow.session.execute(
                select(StaffAccount.id).where(StaffAccount.username == username)
            ).scalar_one()
        )


def approvals_count(api: Api) -> int:
    with api.ctx.uow() as uow:
        return len(list(uow.session.execute(select(Approval.id)).scalars()))


@pytest.mark.parametrize("record", ["application", "decision", "payment"])
def test_inside_the_unit_a_reveal_stays_one_key_and_audited(
    api: Api, staffed: dict[str, Any], record: str
) -> None:
    plant(api, staffed, record)
    r = look_up(api, "sup-kdl", staffed["driver"])
    assert r.status_code == 200, r.text
    assert r.json()["masked"] is False and r.json()["id_number"] == staffed["driver"]
    assert r.json()["name"] == "王建国" and r.json()["phone"] == "13847212345"
    (entry,) = entries(api, "citizen.reveal")
    assert (entry.actor_id, entry.reason) == (staff_id(api, "sup-kdl"), REASON)
    assert entry.subject_id == str(staffed["driver_id"])
    assert approvals_count(api) == 0  # no second key asked for
    # the same citizen is outside the sibling brigade, whose record it is not
    other = look_up(api, "sup-qs", staffed["driver"])
    assert (
        other.status_code == 403 and other.json()["error"] == "supervision.reveal_needs_second_key"
    )


def test_a_record_at_a_booth_of_a_unit_below_counts_and_one_of_a_sibling_does_not(
    api: Api, staffed: dict[str, Any]
) -> None:
    with api.ctx.uow() as uow:
        kdl = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == "sup-kdl")
        ).scalar_one()
        squad = builders.org_unit(
            uow,
            "KDL-1",
            uow.session.get_one(OrgUnit, kdl.org_unit_id),
            kind="squadron",
        )
        builders.booth(uow, squad, code="BT-KDL-101")
    plant(api, staffed, "application", "BT-KDL-101")
    assert look_up(api, "sup-kdl", staffed["driver"]).status_code == 200  # below KDL
    assert look_up(api, "sup-qs", staffed["driver"]).status_code == 403
    assert look_up(api, "admin", staffed["driver"]).status_code == 200  # the city root


def test_outside_the_unit_the_one_key_reveal_is_refused_and_the_refusal_audited(
    api: Api, staffed: dict[str, Any]
) -> None:
    # the driver has no record at any booth: outside every unit but the admins'
    r = look_up(api, "sup-kdl", staffed["driver"])
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["error"] == "supervision.reveal_needs_second_key"
    assert "审批" in body["message"] and staffed["driver"] not in r.text
    assert "王建国" not in r.text
    assert entries(api, "citizen.reveal") == []
    (refused,) = entries(api, "citizen.reveal_refused")
    assert refused.actor_id == staff_id(api, "sup-kdl") and refused.reason == REASON
    assert refused.subject_id == str(staffed["driver_id"])
    assert refused.data == {"error": "supervision.reveal_needs_second_key"}
    # a masked lookup needs no second key
    masked = api.client.get(
        f"/api/v1/staff/citizens/{staffed['driver']}",
        params={"reason": REASON},
        headers={"Authorization": f"Bearer {api.login_staff('sup-kdl')}"},
    )
    assert masked.status_code == 200 and masked.json()["masked"] is True
    assert look_up(api, "admin", staffed["driver"]).status_code == 200


def test_a_reveal_outside_the_unit_end_to_end(api: Api, staffed: dict[str, Any]) -> None:
    plant(api, staffed, "application")  # the driver is KDL's; sup-qs asks
    r = ask(api, "sup-qs", staffed["driver"], f" {REASON} ")
    assert r.status_code == 202, r.text
    pending = r.json()
    assert (pending["kind"], pending["state"]) == ("citizen_reveal", "pending")
    assert (pending["subject_kind"], pending["subject_id"]) == (
        "citizen",
        str(staffed["driver_id"]),
    )
    assert pending["subject_path"] == "/BT/QS/"  # the revealer's unit
    assert pending["request"]["reason"] == REASON
    # the approval itself carries no personal data: the checker judges the reason
    assert staffed["driver"] not in r.text and "王建国" not in r.text
    assert "13847212345" not in r.text
    assert pending["request"]["id_number_masked"].endswith(staffed["driver"][-4:])

    # the maker is never the checker; a supervisor of another brigade has no jurisdiction
    own = decide(api, "sup-qs", pending["id"])
    assert own.status_code == 403 and own.json()["error"] == "approvals.same_person"
    foreign = decide(api, "sup-kdl", pending["id"])
    assert foreign.status_code == 403 and foreign.json()["error"] == "auth.out_of_scope"
    early = collect(api, "sup-qs", pending["id"])
    assert early.status_code == 409 and early.json()["error"] == "approvals.not_executed"
    assert entries(api, "citizen.reveal") == []

    done = decide(api, "sup-qs-2", pending["id"], body={"note": "同意，工单属实"})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "executed" and done.json()["checker"] == "sup-qs-2"
    assert staffed["driver"] not in done.text and "王建国" not in done.text
    assert done.json()["result"]["collected_at"] is None
    assert entries(api, "citizen.reveal") == []  # approved, not yet shown

    # only the maker collects, once
    checker = collect(api, "sup-qs-2", pending["id"])
    assert checker.status_code == 403 and checker.json()["error"] == "approvals.not_maker"
    shown = collect(api, "sup-qs", pending["id"])
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "id_number": staffed["driver"],
        "name": "王建国",
        "phone": "13847212345",
        "masked": False,
        "approval": pending["id"],
    }
    again = collect(api, "sup-qs", pending["id"])
    assert again.status_code == 409 and again.json()["error"] == "approvals.collected"
    assert staffed["driver"] not in again.text
    stored = get(api, "sup-qs", f"{APPROVALS}/{pending['id']}")
    assert stored.json()["result"]["collected_at"] is not None
    assert staffed["driver"] not in stored.text and "王建国" not in stored.text

    (reveal,) = entries(api, "citizen.reveal")
    assert reveal.actor_id == staff_id(api, "sup-qs") and reveal.reason == REASON
    assert reveal.data == {"approval": pending["id"], "checker": "sup-qs-2"}
    (collected,) = entries(api, "approval.collected")
    assert collected.subject_id == pending["id"]
    refusals = {
        (e.actor_id, e.data["verb"], e.data["error"]) for e in entries(api, "approval.refused")
    }
    assert refusals == {
        (staff_id(api, "sup-qs"), "approve", "approvals.same_person"),
        (staff_id(api, "sup-kdl"), "approve", "auth.out_of_scope"),
        (staff_id(api, "sup-qs"), "collect", "approvals.not_executed"),
        (staff_id(api, "sup-qs-2"), "collect", "approvals.not_maker"),
        (staff_id(api, "sup-qs"), "collect", "approvals.collected"),
    }


def test_an_admin_at_the_city_root_may_be_the_checker(api: Api, staffed: dict[str, Any]) -> None:
    pending = ask(api, "sup-kdl", staffed["driver"]).json()
    assert decide(api, "admin", pending["id"]).status_code == 200
    assert collect(api, "sup-kdl", pending["id"]).json()["id_number"] == staffed["driver"]


def test_an_expired_reveal_is_refused_and_audited(api: Api, staffed: dict[str, Any]) -> None:
    pending = ask(api, "sup-kdl", staffed["driver"]).json()
    api.clock.advance(timedelta(days=1))
    late = decide(api, "sup-kdl-2", pending["id"])
    assert late.status_code == 409 and late.json()["error"] == "approvals.expired"
    gone = collect(api, "sup-kdl", pending["id"])
    assert gone.status_code == 409 and gone.json()["error"] == "approvals.not_executed"
    assert gone.json()["data"]["state"] == "expired"
    assert entries(api, "citizen.reveal") == []
    errors = [e.data["error"] for e in entries(api, "approval.refused")]
    assert sorted(errors) == ["approvals.expired", "approvals.not_executed"]
    assert len(entries(api, "approval.expired")) == 1


@pytest.mark.parametrize(
    ("username", "reason", "status", "error"),
    [
        ("sup-kdl", "核查违法处理投诉", 422, "supervision.reveal_reference_required"),
        ("sup-kdl", "  ....  ", 422, "supervision.reason_required"),
        ("off-kdl", REASON, 403, "auth.role_required"),
    ],
)
def test_a_reveal_request_needs_a_case_or_ticket_and_a_supervisor(
    api: Api, staffed: dict[str, Any], username: str, reason: str, status: int, error: str
) -> None:
    r = ask(api, username, staffed["driver"], reason)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["message"]
    assert approvals_count(api) == 0


def test_a_reveal_request_for_no_such_citizen_is_a_404(api: Api, staffed: dict[str, Any]) -> None:
    unknown = builders.id_number(date(1990, 1, 1))
    r = ask(api, "sup-kdl", unknown)
    assert r.status_code == 404 and r.json()["error"] == "citizens.not_found"
    bogus = collect(api, "sup-kdl", str(uuid.uuid4()))
    assert bogus.status_code == 404 and bogus.json()["error"] == "approvals.not_found"
    assert approvals_count(api) == 0
