"""The two keys (maker–checker) over HTTP, on a kiosk lock: the maker's request waits; the
checker is never the maker, is a supervisor or above with jurisdiction over the booth; a
request expires; approving executes it once; rejecting needs a reason; every step is in the
audit log. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.approvals.models import Approval
from gangting.audit.models import AuditEntry
from gangting.booths.models import BoothCommand
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.worker import centre_jobs
from tests.approvals.helpers import APPROVALS, add_supervisor, approved, decide, get
from tests.desks.conftest import Api

LOCK = {"kind": "lock_kiosk", "params": {"notice": "设备检修，暂停服务"}, "reason": "设备检修"}


@pytest.fixture
def second(api: Api, world: dict[str, Any]) -> str:
    add_supervisor(api, "sup-kdl-2")
    add_supervisor(api, "sup-qs", "QS")
    return "sup-kdl-2"


def request_lock(api: Api, username: str = "sup-kdl", booth: str = "BT-KDL-001") -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(username)}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    return api.client.post(f"/api/v1/staff/booths/{booth}/commands", json=LOCK, headers=headers)


def commands(api: Api) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(BoothCommand)).scalar())


def trail(api: Api, approval_id: str) -> list[tuple[str, str]]:
    """(action, actor) of the approval's audit entries, in order."""
    with api.ctx.uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id)
            .where(AuditEntry.subject_kind == "approval", AuditEntry.subject_id == approval_id)
            .order_by(AuditEntry.at, AuditEntry.action)
        ).all()
    return [(a, b) for a, b in rows]


def test_a_kiosk_lock_waits_for_the_second_key_and_then_is_queued_once(
    api: Api, second: str
) -> None:
    r = request_lock(api)
    assert r.status_code == 202, r.text
    pending = r.json()
    assert pending["kind"] == "kiosk_lock" and pending["state"] == "pending"
    assert (pending["subject_kind"], pending["subject_id"]) == ("booth", "BT-KDL-001")
    assert pending["maker"] == "sup-kdl" and pending["checker"] is None
    assert pending["request"]["params"] == LOCK["params"]
    assert pending["result"] is None
    assert commands(api) == 0  # nothing is done on the maker's word alone

    key = uuid.uuid4().hex
    done = decide(api, second, pending["id"], body={"note": "同意"}, key=key)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["state"], body["checker"], body["note"]) == ("executed", second, "同意")
    command = body["result"]
    assert (command["kind"], command["state"], command["issued_by"]) == (
        "lock_kiosk",
        "queued",
        "sup-kdl",  # in the maker's name
    )
    assert commands(api) == 1
    # The same key replays the answer; another key finds it decided; nothing runs twice.
    again = decide(api, second, pending["id"], body={"note": "同意"}, key=key)
    assert again.json() == body and again.headers.get("Idempotent-Replayed") == "true"
    twice = decide(api, "admin", pending["id"])
    assert twice.status_code == 409 and twice.json()["error"] == "approvals.decided"
    assert twice.json()["message"]
    rejected = decide(api, second, pending["id"], "reject", {"note": "不同意"})
    assert rejected.status_code == 409 and rejected.json()["error"] == "approvals.decided"
    assert commands(api) == 1
    shown = get(api, "sup-kdl", f"{APPROVALS}/{pending['id']}").json()
    assert shown == body


def test_the_maker_is_never_the_checker(api: Api, second: str) -> None:
    pending = request_lock(api).json()
    r = decide(api, "sup-kdl", pending["id"])
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "approvals.same_person"
    assert r.json()["message"] == "审批人不能是申请人本人（双人复核）"
    mine = decide(api, "sup-kdl", pending["id"], "reject", {"note": "撤回"})
    assert mine.status_code == 403 and mine.json()["error"] == "approvals.same_person"
    assert commands(api) == 0
    # An admin's own request needs another admin or a supervisor with jurisdiction.
    own = request_lock(api, "admin").json()
    assert decide(api, "admin", own["id"]).json()["error"] == "approvals.same_person"
    approved(api, request_lock(api, "admin"), checker=second)


def test_the_checker_needs_the_role_and_the_jurisdiction(api: Api, second: str) -> None:
    pending = request_lock(api).json()
    other_brigade = decide(api, "sup-qs", pending["id"])
    assert other_brigade.status_code == 403
    assert other_brigade.json()["error"] == "auth.out_of_scope"
    officer = decide(api, "off-kdl", pending["id"])
    assert officer.status_code == 403 and officer.json()["error"] == "auth.role_required"
    assert commands(api) == 0
    assert decide(api, "admin", pending["id"]).status_code == 200  # admins see everything


def test_the_maker_needs_the_jurisdiction_to_ask(api: Api, second: str) -> None:
    r = request_lock(api, "sup-qs")
    assert r.status_code == 403 and r.json()["error"] == "auth.out_of_scope"
    officer = request_lock(api, "off-kdl")
    assert officer.status_code == 403 and officer.json()["error"] == "auth.role_required"
    missing = request_lock(api, booth="BT-NONE-001")
    assert missing.status_code == 404 and missing.json()["error"] == "booths.not_found"
    with api.ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Approval)).scalar() == 0


def test_a_request_not_decided_in_time_expires(api: Api, second: str) -> None:
    pending = request_lock(api).json()
    api.clock.advance(timedelta(hours=23, minutes=59))
    assert [a["id"] for a in get(api, second, APPROVALS, state="pending").json()["approvals"]] == [
        pending["id"]
    ]
    api.clock.advance(timedelta(minutes=1))  # 24 h (the default) after the request
    listed = get(api, second, APPROVALS, state="pending").json()["approvals"]
    assert listed == []
    late = decide(api, second, pending["id"])
    assert late.status_code == 409, late.text
    assert late.json()["error"] == "approvals.expired"
    assert commands(api) == 0
    shown = get(api, second, f"{APPROVALS}/{pending['id']}").json()
    assert shown["state"] == "expired" and shown["state_zh"] == "已过期"
    with api.ctx.uow() as uow:
        row = uow.session.get_one(Approval, uuid.UUID(pending["id"]))
        assert row.state == "expired"
    expired = get(api, second, APPROVALS, state="expired").json()["approvals"]
    assert [a["id"] for a in expired] == [pending["id"]]
    # Recorded once; a later attempt finds it decided (expired), not pending.
    assert decide(api, second, pending["id"]).json()["error"] == "approvals.decided"
    actions = [a for a, _ in trail(api, pending["id"])]
    # the expiry, and each refused decision on the approval's own trail
    assert actions == [
        "approval.requested",
        "approval.expired",
        "approval.refused",
        "approval.refused",
    ]


def test_the_expiry_is_configured(api: Api, second: str) -> None:
    api.ctx.settings.approval_expires_after_s = 600
    pending = request_lock(api).json()
    api.clock.advance(timedelta(seconds=601))
    late = decide(api, second, pending["id"], "reject", {"note": "来不及了"})
    assert late.status_code == 409 and late.json()["error"] == "approvals.expired"


def test_a_rejection_says_why_and_executes_nothing(api: Api, second: str) -> None:
    pending = request_lock(api).json()
    short = decide(api, second, pending["id"], "reject", {"note": "否"})
    assert short.status_code == 422 and short.json()["error"] == "approvals.note_required"
    missing = decide(api, second, pending["id"], "reject", {})
    assert missing.status_code == 422
    r = decide(api, second, pending["id"], "reject", {"note": "岗亭正在办理业务高峰，暂不锁定"})
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["checker"]) == ("rejected", second)
    assert r.json()["note"] == "岗亭正在办理业务高峰，暂不锁定" and r.json()["result"] is None
    assert commands(api) == 0
    late = decide(api, "admin", pending["id"])
    assert late.status_code == 409 and late.json()["error"] == "approvals.decided"


def test_every_step_is_in_the_audit_log(api: Api, second: str) -> None:
    done = request_lock(api).json()
    assert decide(api, second, done["id"]).status_code == 200
    refused = request_lock(api).json()
    decide(api, second, refused["id"], "reject", {"note": "不必锁定"})
    expired = request_lock(api).json()
    api.clock.advance(timedelta(days=2))
    decide(api, second, expired["id"])
    maker_id, checker_id = (_staff_id(api, u) for u in ("sup-kdl", second))
    assert sorted(trail(api, done["id"])) == [
        ("approval.approved", checker_id),
        ("approval.executed", checker_id),
        ("approval.requested", maker_id),
    ]
    assert sorted(trail(api, refused["id"])) == [
        ("approval.rejected", checker_id),
        ("approval.requested", maker_id),
    ]
    assert sorted(trail(api, expired["id"])) == [
        ("approval.expired", "system"),
        ("approval.refused", checker_id),  # the checker who came too late
        ("approval.requested", maker_id),
    ]
    with api.ctx.uow() as uow:
        queued = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "booth_command.queued")
        ).scalar_one()
        noticed = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "approval.expired")
        ).scalar_one()
    assert queued.actor_id == maker_id  # the act itself, in the maker's name
    assert noticed.data["noticed_by"] == second


def test_the_list_is_scoped_to_the_viewer_s_unit(api: Api, second: str) -> None:
    kdl = request_lock(api).json()
    qs = request_lock(api, "sup-qs", "BT-QS-001").json()
    seen = {
        u: [a["id"] for a in get(api, u, APPROVALS).json()["approvals"]]
        for u in ("sup-kdl", "off-kdl", "sup-qs", "off-qs", "admin")
    }
    assert seen["sup-kdl"] == seen["off-kdl"] == [kdl["id"]]
    assert seen["sup-qs"] == seen["off-qs"] == [qs["id"]]
    assert set(seen["admin"]) == {kdl["id"], qs["id"]}
    foreign = get(api, "sup-qs", f"{APPROVALS}/{kdl['id']}")
    assert foreign.status_code == 403 and foreign.json()["error"] == "auth.out_of_scope"
    unknown = get(api, "sup-qs", f"{APPROVALS}/{uuid.uuid4()}")
    assert unknown.status_code == 404 and unknown.json()["error"] == "approvals.not_found"
    assert get(api, "sup-kdl", APPROVALS, state="bogus").status_code == 422
    booth = api.client.get(APPROVALS, headers={"Authorization": f"Bearer {api.login_booth()}"})
    assert booth.status_code == 403


def test_a_maker_who_lost_the_jurisdiction_stops_the_act(api: Api, second: str) -> None:
    pending = request_lock(api).json()
    with api.ctx.uow() as uow:
        qs = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "QS")).scalar_one()
        maker = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == "sup-kdl")
        ).scalar_one()
        maker.org_unit_id = qs.id  # moved to another brigade before the checker decided
    r = decide(api, second, pending["id"])
    assert r.status_code == 403 and r.json()["error"] == "auth.out_of_scope"
    assert commands(api) == 0
    shown = get(api, second, f"{APPROVALS}/{pending['id']}").json()
    assert shown["state"] == "pending"


def _staff_id(api: Api, username: str) -> str:
    with api.ctx.uow() as uow:
        return str(
            uow.session.execute(
                select(StaffAccount.id).where(StaffAccount.username == username)
            ).scalar_one()
        )


def test_the_worker_s_sweep_records_each_expiry_once(api: Api, second: str) -> None:
    jobs = {job.name: job for job in centre_jobs(api.ctx.settings, api.ctx.uow)}
    first = request_lock(api).json()
    api.clock.advance(timedelta(hours=12))
    later = request_lock(api).json()
    api.clock.advance(timedelta(hours=12))  # the first is due, the second is not
    assert jobs["approvals.expire"].run() == 1
    assert jobs["approvals.expire"].run() == 0
    assert [a for a, _ in trail(api, first["id"])] == ["approval.requested", "approval.expired"]
    assert get(api, second, f"{APPROVALS}/{later['id']}").json()["state"] == "pending"
    assert decide(api, second, first["id"]).json()["error"] == "approvals.decided"
    assert decide(api, second, later["id"]).status_code == 200
