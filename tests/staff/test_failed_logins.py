"""A refused log-in leaves an audit entry (``staff.login_failed`` / ``booth.login_failed``),
written in a unit of work of its own; the caller's answer is unchanged, and no secret is
recorded. (Booth log-ins live in booths.credentials; both are authentication, tested here.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.staff.models import AccessToken, StaffAccount
from tests import builders
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]


def entries(api: Api, action: str) -> list[AuditEntry]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        )


def tokens(api: Api) -> int:
    with api.ctx.uow() as uow:
        return len(uow.session.execute(select(AccessToken)).all())


def staff_login(api: Api, username: str, password: str) -> Any:
    body = builders.staff_login(username, api.clock.now(), password)
    return api.client.post("/api/v1/auth/staff", json=body)


def booth_login(api: Api, code: str, secret: str) -> Any:
    return api.client.post("/api/v1/auth/booth", json={"booth_code": code, "secret": secret})


@pytest.mark.parametrize(
    ("username", "cause"), [("sup-kdl", "bad_password"), ("nobody", "unknown_account")]
)
def test_a_failed_staff_login_is_audited_and_answered_as_before(
    api: Api, world: dict[str, Any], username: str, cause: str
) -> None:
    r = staff_login(api, username, "wrong-password")
    assert r.status_code == 401
    assert r.json() == {"error": "auth.bad_credentials", "message": "用户名或密码错误", "data": {}}
    assert tokens(api) == 0
    (entry,) = entries(api, "staff.login_failed")
    assert entry.actor_kind == "staff"
    assert entry.data == {
        "username": username,
        "error": "auth.bad_credentials",
        "cause": cause,
        "source": "testclient",
    }
    assert "wrong-password" not in json.dumps(entry.data) + entry.actor_id + entry.subject_id
    assert entries(api, "staff.login") == []


def test_a_known_account_s_failed_login_is_its_unit_s_to_read(
    api: Api, world: dict[str, Any]
) -> None:
    assert staff_login(api, "off-kdl", "wrong").status_code == 401
    assert staff_login(api, "off-qs", "wrong").status_code == 401
    assert staff_login(api, "ghost", "wrong").status_code == 401
    sup = {"Authorization": f"Bearer {api.login_staff('sup-kdl')}"}
    seen = api.client.get(
        "/api/v1/staff/audit", params={"action": "staff.login_failed"}, headers=sup
    )
    assert [e["data"]["username"] for e in seen.json()["entries"]] == ["off-kdl"]
    admin = {"Authorization": f"Bearer {api.login_staff('admin')}"}
    seen = api.client.get(
        "/api/v1/staff/audit", params={"action": "staff.login_failed"}, headers=admin
    )
    assert sorted(e["data"]["username"] for e in seen.json()["entries"]) == [
        "ghost",
        "off-kdl",
        "off-qs",
    ]


def test_an_inactive_account_s_login_is_audited(api: Api, world: dict[str, Any]) -> None:
    with api.ctx.uow() as uow:
        uow.session.execute(
            update(StaffAccount).where(StaffAccount.username == "off-kdl").values(active=False)
        )
    r = staff_login(api, "off-kdl", builders.STAFF_PASSWORD)
    assert r.status_code == 401 and r.json()["error"] == "auth.bad_credentials"
    (entry,) = entries(api, "staff.login_failed")
    assert entry.data["cause"] == "inactive"


@pytest.mark.parametrize(
    ("code", "cause"), [("BT-KDL-001", "bad_secret"), ("BT-NONE-999", "unknown_booth")]
)
def test_a_failed_booth_login_is_audited_and_answered_as_before(
    api: Api, world: dict[str, Any], code: str, cause: str
) -> None:
    r = booth_login(api, code, "wrong-secret")
    assert r.status_code == 401
    assert r.json() == {
        "error": "auth.bad_credentials",
        "message": "岗亭编号或设备密钥错误",
        "data": {},
    }
    assert tokens(api) == 0
    (entry,) = entries(api, "booth.login_failed")
    assert entry.actor_kind == "booth" and entry.subject_id == code
    assert entry.data == {
        "booth_code": code,
        "error": "auth.bad_credentials",
        "cause": cause,
        "source": "testclient",
    }
    assert (entry.booth_id is None) == (cause == "unknown_booth")
    assert "wrong-secret" not in json.dumps(entry.data)


def test_a_disabled_booth_s_login_is_audited(api: Api, world: dict[str, Any]) -> None:
    with api.ctx.uow() as uow:
        uow.session.execute(
            update(Booth)
            .where(Booth.code == "BT-KDL-001")
            .values(enabled=False, disabled_reason="维修")
        )
    r = booth_login(api, "BT-KDL-001", builders.BOOTH_SECRET)
    assert r.status_code == 401
    assert r.json()["error"] == "auth.booth_disabled"
    assert r.json()["data"] == {"reason": "维修"}
    (entry,) = entries(api, "booth.login_failed")
    assert entry.data["cause"] == "disabled"
    assert entry.data["error"] == "auth.booth_disabled"


def test_a_successful_login_leaves_no_failure(api: Api, world: dict[str, Any]) -> None:
    api.login_staff("sup-kdl")
    api.login_booth()
    assert entries(api, "staff.login_failed") == entries(api, "booth.login_failed") == []
