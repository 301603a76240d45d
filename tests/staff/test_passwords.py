"""The password policy and the password change (issue 12 §1, probe "no password policy, no
password change")."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.staff import passwords
from gangting.staff.errors import PasswordTooWeak
from tests import builders
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]

GOOD = "Lanse-Tiankong-42"


@pytest.mark.parametrize(
    ("username", "password", "problems"),
    [
        ("off-kdl", GOOD, []),
        ("off-kdl", "草原上的风吹过-Wind7", []),  # Chinese counts as "other"
        ("off-kdl", "Short-1a", ["too_short"]),
        ("off-kdl", "alllowercaseletters", ["too_few_classes"]),
        ("off-kdl", "lowercase-and-symbols", ["too_few_classes"]),
        ("off-kdl", "My-off-kdl-Pass9", ["contains_username"]),
        ("off-kdl", "My-OFF-KDL-Pass9", ["contains_username"]),
        ("off-kdl", "P@ssw0rd2026!", ["common"]),
        ("off-kdl", "Password1234", ["common"]),
        ("off-kdl", "1qaz@WSX3edc", ["common"]),
        ("off-kdl", "Woaini1314!!", ["common"]),
        ("off-kdl", "Admin@123456", ["common"]),
        ("off-kdl", "x" * 129 + "A1", ["too_long"]),
        ("abc", "abc", ["too_short", "too_few_classes", "contains_username"]),
    ],
)
def test_the_policy(username: str, password: str, problems: list[str]) -> None:
    assert passwords.problems(username, password) == problems


def test_a_refusal_names_each_problem_in_chinese() -> None:
    with pytest.raises(PasswordTooWeak) as refused:
        passwords.check("off-kdl", "short")
    assert refused.value.code == "staff.password_too_weak"
    assert refused.value.http_status == 422
    assert refused.value.message == (
        "新密码不符合要求：至少12位；须包含大写字母、小写字母、数字、其他符号中的至少3类"
    )
    assert refused.value.data["problems"] == ["too_short", "too_few_classes"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def change(api: Api, token: str, current: str, new: str) -> Any:
    return api.client.post(
        "/api/v1/staff/password",
        json={"current_password": current, "new_password": new},
        headers=bearer(token),
    )


def login(api: Api, username: str, password: str) -> Any:
    body = builders.staff_login(username, api.clock.now(), password)
    return api.client.post("/api/v1/auth/staff", json=body)


def actions(api: Api) -> list[tuple[str, dict[str, Any]]]:
    with api.ctx.uow() as uow:
        return sorted(
            (e.action, e.data)
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action.like("staff.password%"))
            ).scalars()
        )


def test_a_password_change_ends_the_other_sessions_and_is_audited(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_staff("off-kdl")
    other = api.login_staff("off-kdl", fresh=True)
    r = change(api, token, builders.STAFF_PASSWORD, GOOD)
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True, "sessions_ended": 1}
    assert api.client.get("/api/v1/staff/instructions", headers=bearer(token)).status_code == 200
    assert api.client.get("/api/v1/staff/instructions", headers=bearer(other)).status_code == 401
    assert login(api, "off-kdl", builders.STAFF_PASSWORD).status_code == 401
    assert login(api, "off-kdl", GOOD).status_code == 200
    assert actions(api) == [
        ("staff.password_changed", {"username": "off-kdl", "sessions_ended": 1})
    ]


def test_a_weak_new_password_is_refused_and_audited_without_it(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_staff("off-kdl")
    r = change(api, token, builders.STAFF_PASSWORD, "Password1234")
    assert r.status_code == 422
    assert r.json()["error"] == "staff.password_too_weak"
    assert r.json()["data"]["problems"] == ["common"]
    assert login(api, "off-kdl", builders.STAFF_PASSWORD).status_code == 200
    assert actions(api) == [
        (
            "staff.password_change_refused",
            {"error": "staff.password_too_weak", "problems": ["common"]},
        )
    ]


def test_a_wrong_current_password_is_refused_and_counts_against_the_throttle(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_staff("off-kdl")
    for _ in range(5):
        r = change(api, token, "not-my-password", GOOD)
        assert r.status_code == 403 and r.json()["error"] == "staff.password_wrong"
    r = change(api, token, builders.STAFF_PASSWORD, GOOD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "900"
    assert login(api, "off-kdl", builders.STAFF_PASSWORD).status_code == 429


def test_the_same_password_again_is_refused(api: Api, world: dict[str, Any]) -> None:
    token = api.login_staff("off-kdl")
    assert change(api, token, builders.STAFF_PASSWORD, GOOD).status_code == 200
    r = change(api, token, GOOD, GOOD)
    assert r.status_code == 422 and r.json()["error"] == "staff.password_unchanged"


def test_a_booth_cannot_change_a_password(api: Api, world: dict[str, Any]) -> None:
    r = change(api, api.login_booth(), builders.BOOTH_SECRET, GOOD)
    assert r.status_code == 403 and r.json()["error"] == "auth.role_required"


def test_the_demo_seed_s_passwords_pass_the_policy_and_a_weak_one_is_refused() -> None:
    from gangting.kernel.ids import new_id
    from gangting.seed import org

    for username, password in [
        ("admin", org.ADMIN_PASSWORD),
        ("sup-kdl", org.SUPERVISOR_PASSWORD),
        ("off-kdl-1", org.OFFICER_PASSWORD),
    ]:
        assert passwords.problems(username, password) == []
    plan = org.OrgPlan()
    plan.staff.append(
        org.StaffPlan(new_id(), "admin", "管理员", "admin", new_id(), "BT", "demo-admin")
    )
    with pytest.raises(PasswordTooWeak):
        plan.hash_secrets()
