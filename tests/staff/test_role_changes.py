"""Staff role changes take two keys (docs/decisions/0012): the maker asks
(POST /api/v1/staff/accounts/{id}/role, 202), another supervisor with jurisdiction over the
account's unit approves and the role changes, audited. Nobody changes their own role (as
maker or checker); only admins give or take the admin role; a wrong role is a named zh-CN
error; refused decisions are audit entries. And the accounts list is scoped to the
viewer's unit. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gangting.approvals.models import Approval
from gangting.audit.models import AuditEntry
from gangting.kernel.errors import DomainError
from gangting.staff.errors import RoleInvalid
from gangting.staff.models import OrgUnit, StaffAccount
from gangting.staff.roles import check_change, check_key, parse_role
from tests import builders
from tests.approvals.helpers import add_supervisor, decide, get
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]  # the API fixtures of tests/desks

ACCOUNTS = "/api/v1/staff/accounts"
REASON = "晋升督察，组织部门任命文件2026-118号"


@pytest.fixture
def staffed(api: Api, world: dict[str, Any]) -> dict[str, Any]:
    add_supervisor(api, "sup-kdl-2")
    add_supervisor(api, "sup-qs", "QS")
    with api.ctx.uow() as uow:
        top = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "BT")).scalar_one()
        builders.staff(uow, top, "admin-2", "admin")
    return world


def account(api: Api, username: str) -> StaffAccount:
    with api.ctx.uow() as uow:
        row = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == username)
        ).scalar_one()
        uow.session.expunge(row)
        return row


def ask(api: Api, maker: str, username: str, role: str, reason: str = REASON) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(maker)}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    target = account(api, username).id
    return api.client.post(
        f"{ACCOUNTS}/{target}/role", json={"role": role, "reason": reason}, headers=headers
    )


def entries(api: Api, action: str) -> list[AuditEntry]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        )


def refusals(api: Api) -> list[tuple[str, str, str]]:
    with api.ctx.uow() as uow:
        names = {str(a.id): a.username for a in uow.session.execute(select(StaffAccount)).scalars()}
    return sorted(
        (names[e.actor_id], e.data["verb"], e.data["error"])
        for e in entries(api, "approval.refused")
    )


def test_a_role_change_end_to_end(api: Api, staffed: dict[str, Any]) -> None:
    r = ask(api, "sup-kdl", "off-kdl", "supervisor")
    assert r.status_code == 202, r.text
    pending = r.json()
    assert (pending["kind"], pending["state"]) == ("staff_role_change", "pending")
    assert pending["subject_kind"] == "staff" and pending["subject_path"] == "/BT/KDL/"
    assert pending["request"]["from"] == "officer" and pending["request"]["role"] == "supervisor"
    assert account(api, "off-kdl").role == "officer"  # not on the maker's word alone
    officer = {"Authorization": f"Bearer {api.login_staff('off-kdl')}"}
    assert api.client.get("/api/v1/staff/audit", headers=officer).status_code == 403

    done = decide(api, "sup-kdl-2", pending["id"], body={"note": "同意"})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "executed"
    assert done.json()["result"] == {
        "account": str(account(api, "off-kdl").id),
        "username": "off-kdl",
        "unit_path": "/BT/KDL/",
        "from": "officer",
        "to": "supervisor",
    }
    assert account(api, "off-kdl").role == "supervisor"
    # the account's tokens are revoked; a new log-in carries the new role
    stale = api.client.get("/api/v1/staff/audit", headers=officer)
    assert stale.status_code == 401 and stale.json()["error"] == "auth.token_invalid"
    # a supervisor must bind the second factor (decision 0019): the log-in's token only binds
    r = api.client.post("/api/v1/auth/staff", json=builders.staff_login("off-kdl", api.clock.now()))
    assert r.json()["second_factor"] == "enrolment_required"
    enrolling = {"Authorization": f"Bearer {r.json()['access_token']}"}
    refused = api.client.get("/api/v1/staff/audit", headers=enrolling)
    assert refused.status_code == 403
    assert refused.json()["error"] == "staff.totp_enrolment_required"
    _, session = api.bind_second_factor(r.json()["access_token"])
    fresh = {"Authorization": f"Bearer {session}"}
    assert api.client.get("/api/v1/staff/audit", headers=fresh).status_code == 200
    assert api.client.get("/api/v1/staff/audit", headers=enrolling).status_code == 401
    (changed,) = entries(api, "staff.role_changed")
    assert changed.actor_id == str(account(api, "sup-kdl").id)  # in the maker's name
    assert changed.subject_id == str(account(api, "off-kdl").id)
    assert changed.reason == REASON
    assert changed.data == {
        "username": "off-kdl",
        "from": "officer",
        "to": "supervisor",
        "tokens_revoked": 1,
    }
    trail = {
        e.action
        for e in entries(api, "approval.approved") + entries(api, "approval.executed")
        if e.subject_id == pending["id"]
    }
    assert trail == {"approval.approved", "approval.executed"}


def test_the_maker_is_never_the_checker_and_refusals_are_audited(
    api: Api, staffed: dict[str, Any]
) -> None:
    pending = ask(api, "sup-kdl", "off-kdl", "supervisor").json()
    own = decide(api, "sup-kdl", pending["id"])
    assert own.status_code == 403 and own.json()["error"] == "approvals.same_person"
    rejected_by_self = decide(api, "sup-kdl", pending["id"], "reject", {"note": "撤回申请"})
    assert rejected_by_self.json()["error"] == "approvals.same_person"
    assert account(api, "off-kdl").role == "officer"
    assert refusals(api) == [
        ("sup-kdl", "approve", "approvals.same_person"),
        ("sup-kdl", "reject", "approvals.same_person"),
    ]
    (entry,) = [e for e in entries(api, "approval.refused") if e.data["verb"] == "approve"]
    assert entry.subject_kind == "approval" and entry.subject_id == pending["id"]
    assert entry.data["kind"] == "staff_role_change" and entry.data["maker"] == "sup-kdl"


def test_an_out_of_jurisdiction_checker_or_maker_is_refused(
    api: Api, staffed: dict[str, Any]
) -> None:
    foreign_maker = ask(api, "sup-qs", "off-kdl", "supervisor")
    assert foreign_maker.status_code == 403
    assert foreign_maker.json()["error"] == "auth.out_of_scope"
    pending = ask(api, "sup-kdl", "off-kdl", "supervisor").json()
    foreign = decide(api, "sup-qs", pending["id"])
    assert foreign.status_code == 403 and foreign.json()["error"] == "auth.out_of_scope"
    officer = decide(api, "off-qs", pending["id"])
    assert officer.status_code == 403
    assert account(api, "off-kdl").role == "officer"
    assert refusals(api) == [
        ("off-qs", "approve", "auth.out_of_scope"),
        ("sup-qs", "approve", "auth.out_of_scope"),
    ]
    assert decide(api, "admin", pending["id"]).status_code == 200  # the city root
    assert account(api, "off-kdl").role == "supervisor"


def test_an_expired_role_change_is_refused_and_audited(api: Api, staffed: dict[str, Any]) -> None:
    pending = ask(api, "sup-kdl", "off-kdl", "supervisor").json()
    api.clock.advance(timedelta(days=1))
    late = decide(api, "sup-kdl-2", pending["id"])
    assert late.status_code == 409 and late.json()["error"] == "approvals.expired"
    assert account(api, "off-kdl").role == "officer"
    assert refusals(api) == [("sup-kdl-2", "approve", "approvals.expired")]
    (expired,) = entries(api, "approval.expired")
    assert expired.subject_id == pending["id"] and expired.data["noticed_by"] == "sup-kdl-2"
    shown = get(api, "sup-kdl", f"/api/v1/staff/approvals/{pending['id']}").json()
    assert shown["state"] == "expired"


def test_nobody_changes_their_own_role(api: Api, staffed: dict[str, Any]) -> None:
    r = ask(api, "sup-kdl", "sup-kdl", "officer")
    assert r.status_code == 403 and r.json()["error"] == "staff.own_role"
    assert r.json()["message"] == "不能变更本人账号的角色"
    raise_self = ask(api, "admin", "admin", "supervisor")
    assert raise_self.json()["error"] == "staff.own_role"
    # nor approves a change of their own role that someone else asked for
    pending = ask(api, "sup-kdl-2", "sup-kdl", "officer").json()
    mine = decide(api, "sup-kdl", pending["id"])
    assert mine.status_code == 403 and mine.json()["error"] == "staff.own_role"
    assert account(api, "sup-kdl").role == "supervisor"
    assert ("sup-kdl", "approve", "staff.own_role") in refusals(api)


def test_only_admins_give_or_take_the_admin_role(api: Api, staffed: dict[str, Any]) -> None:
    r = ask(api, "sup-kdl", "off-kdl", "admin")
    assert r.status_code == 403 and r.json()["error"] == "staff.admin_role_admins_only"
    assert "管理员" in r.json()["message"]
    pending = ask(api, "admin", "off-kdl", "admin").json()
    assert pending["state"] == "pending"
    by_supervisor = decide(api, "sup-kdl-2", pending["id"])
    assert by_supervisor.status_code == 403
    assert by_supervisor.json()["error"] == "staff.admin_role_admins_only"
    assert account(api, "off-kdl").role == "officer"
    assert decide(api, "admin-2", pending["id"]).status_code == 200
    assert account(api, "off-kdl").role == "admin"
    # taking it away again: admins only as well
    down = ask(api, "sup-kdl", "off-kdl", "officer")
    assert down.status_code == 403 and down.json()["error"] == "staff.admin_role_admins_only"


@pytest.mark.parametrize(
    ("role", "reason", "status", "error"),
    [
        ("chief", REASON, 422, "staff.role_invalid"),
        ("", REASON, 422, "staff.role_invalid"),
        ("supervisor", "  ..  ", 422, "staff.role_reason_required"),
        ("officer", REASON, 409, "staff.role_unchanged"),
    ],
)
def test_a_bad_role_change_is_a_named_error(
    api: Api, staffed: dict[str, Any], role: str, reason: str, status: int, error: str
) -> None:
    r = ask(api, "sup-kdl", "off-kdl", role, reason)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])  # zh-CN
    with api.ctx.uow() as uow:
        assert list(uow.session.execute(select(Approval.id)).scalars()) == []


def test_an_officer_cannot_ask_and_an_unknown_account_is_a_404(
    api: Api, staffed: dict[str, Any]
) -> None:
    r = ask(api, "off-kdl", "off-kdl", "supervisor")
    assert r.status_code == 403 and r.json()["error"] == "auth.role_required"
    headers = {
        "Authorization": f"Bearer {api.login_staff('sup-kdl')}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    missing = api.client.post(
        f"{ACCOUNTS}/{uuid.uuid4()}/role",
        json={"role": "supervisor", "reason": REASON},
        headers=headers,
    )
    assert missing.status_code == 404 and missing.json()["error"] == "staff.account_unknown"


def test_the_accounts_list_is_scoped_to_the_viewer_s_unit(
    api: Api, staffed: dict[str, Any]
) -> None:
    def names(username: str, **params: Any) -> list[str]:
        r = get(api, username, ACCOUNTS, **params)
        assert r.status_code == 200, r.text
        return [a["username"] for a in r.json()["accounts"]]

    assert names("sup-kdl") == ["off-kdl", "sup-kdl", "sup-kdl-2"]
    assert names("sup-qs") == ["off-qs", "sup-qs"]
    assert set(names("admin")) == {
        "admin",
        "admin-2",
        "off-kdl",
        "off-qs",
        "sup-kdl",
        "sup-kdl-2",
        "sup-qs",
    }
    row = get(api, "sup-kdl", ACCOUNTS).json()["accounts"][0]
    assert row["role_zh"] == "民警" and row["unit_path"] == "/BT/KDL/" and row["active"]
    with api.ctx.uow() as uow:
        gone = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == "sup-kdl-2")
        ).scalar_one()
        gone.active = False
    assert names("sup-kdl") == ["off-kdl", "sup-kdl"]
    assert names("sup-kdl", include_inactive="true") == ["off-kdl", "sup-kdl", "sup-kdl-2"]
    assert get(api, "off-kdl", ACCOUNTS).status_code == 403


# --- the rule, pure ---------------------------------------------------------------------

MAKER, ACCOUNT = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize("text", ["officer", " Supervisor ", "ADMIN"])
def test_roles_parse(text: str) -> None:
    assert parse_role(text) == text.strip().lower()


@pytest.mark.parametrize("text", ["", "root", "督察", "officers"])
def test_other_roles_are_refused(text: str) -> None:
    with pytest.raises(RoleInvalid):
        parse_role(text)


@pytest.mark.parametrize(
    ("key_role", "key_id", "current", "new", "error"),
    [
        ("supervisor", MAKER, "officer", "supervisor", None),
        ("supervisor", MAKER, "supervisor", "officer", None),
        ("supervisor", ACCOUNT, "officer", "supervisor", "staff.own_role"),
        ("admin", ACCOUNT, "admin", "officer", "staff.own_role"),
        ("supervisor", MAKER, "officer", "admin", "staff.admin_role_admins_only"),
        ("supervisor", MAKER, "admin", "officer", "staff.admin_role_admins_only"),
        ("admin", MAKER, "officer", "admin", None),
        ("admin", MAKER, "officer", "officer", "staff.role_unchanged"),
    ],
)
def test_the_role_change_rule(
    key_role: str, key_id: uuid.UUID, current: str, new: str, error: str | None
) -> None:
    if error is None:
        check_change(key_role, key_id, ACCOUNT, current, new)
        check_key(key_role, key_id, ACCOUNT, current, new)
        return
    with pytest.raises(DomainError) as caught:
        check_change(key_role, key_id, ACCOUNT, current, new)
    assert caught.value.code == error and caught.value.message
