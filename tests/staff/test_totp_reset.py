"""A lost second factor is reset by two keys (docs/decisions/0019): a supervisor of the
account's unit asks (POST /api/v1/staff/accounts/{id}/totp/reset, 202), another approves;
the factor is unbound and the account's tokens end, so its next log-in binds a new one.
Nobody resets their own; an administrator's only administrators reset; an unbound account
has nothing to reset. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from gangting.kernel.errors import DomainError
from gangting.staff.models import OrgUnit
from gangting.staff.roles import check_reset_key
from tests import builders
from tests.approvals.helpers import decide
from tests.desks.conftest import Api, api, world
from tests.staff.test_role_changes import account, entries, refusals, staffed

__all__ = ["api", "staffed", "world"]

ACCOUNTS = "/api/v1/staff/accounts"
REASON = "手机遗失，已报备科室"


def ask_reset(api: Api, maker: str, username: str, reason: str = REASON) -> Any:
    headers = {
        "Authorization": f"Bearer {api.login_staff(maker)}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    target = account(api, username).id
    return api.client.post(
        f"{ACCOUNTS}/{target}/totp/reset", json={"reason": reason}, headers=headers
    )


def test_a_reset_end_to_end(api: Api, staffed: dict[str, Any]) -> None:
    victim = {"Authorization": f"Bearer {api.login_staff('sup-kdl-2')}"}
    r = ask_reset(api, "sup-kdl", "sup-kdl-2")
    assert r.status_code == 202, r.text
    pending = r.json()
    assert (pending["kind"], pending["state"]) == ("staff_totp_reset", "pending")
    assert account(api, "sup-kdl-2").totp_secret is not None  # not on the maker's word alone
    done = decide(api, "admin", pending["id"], body={"note": "同意"})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "executed"
    after = account(api, "sup-kdl-2")
    assert after.totp_secret is None and after.totp_enrolled_at is None
    # its tokens ended; its next log-in binds a new factor
    assert api.client.get("/api/v1/staff/audit", headers=victim).status_code == 401
    body = builders.staff_login("sup-kdl-2", api.clock.now())
    again = api.client.post("/api/v1/auth/staff", json=body)
    assert again.json()["second_factor"] == "enrolment_required"
    (reset,) = entries(api, "staff.totp_reset")
    assert reset.actor_id == str(account(api, "sup-kdl").id)  # in the maker's name
    assert reset.subject_id == str(after.id)
    assert reset.data["tokens_revoked"] == 1 and reset.reason == REASON


def test_nobody_resets_their_own_and_admins_only_for_admins(
    api: Api, staffed: dict[str, Any]
) -> None:
    own = ask_reset(api, "sup-kdl", "sup-kdl")
    assert own.status_code == 403 and own.json()["error"] == "staff.own_second_factor"
    with api.ctx.uow() as uow:
        kdl = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "KDL")).scalar_one()
        builders.staff(uow, kdl, "admin-kdl", "admin")
    admins = ask_reset(api, "sup-kdl", "admin-kdl")
    assert admins.status_code == 403 and admins.json()["error"] == "staff.admin_role_admins_only"
    assert ask_reset(api, "admin", "admin-kdl").status_code == 202
    # the checker: never the account itself
    pending = ask_reset(api, "admin", "sup-kdl").json()
    refused = decide(api, "sup-kdl", pending["id"])
    assert refused.status_code == 403
    assert account(api, "sup-kdl").totp_secret is not None
    assert ("sup-kdl", "approve", "staff.own_second_factor") in refusals(api)


def test_an_unbound_account_and_a_thin_reason_are_named_errors(
    api: Api, staffed: dict[str, Any]
) -> None:
    unbound = ask_reset(api, "sup-kdl", "off-kdl")
    assert unbound.status_code == 409 and unbound.json()["error"] == "staff.totp_not_bound"
    thin = ask_reset(api, "sup-kdl", "sup-kdl-2", reason="丢")
    assert thin.status_code == 422 and thin.json()["error"] == "staff.role_reason_required"
    assert "重置动态验证码" in thin.json()["message"]
    officer = ask_reset(api, "off-kdl", "sup-kdl-2")
    assert officer.status_code == 403 and officer.json()["error"] == "auth.role_required"


@pytest.mark.parametrize(
    ("key_role", "own", "account_role", "error"),
    [
        ("supervisor", False, "officer", None),
        ("supervisor", False, "supervisor", None),
        ("supervisor", False, "admin", "staff.admin_role_admins_only"),
        ("admin", False, "admin", None),
        ("admin", True, "admin", "staff.own_second_factor"),
        ("supervisor", True, "supervisor", "staff.own_second_factor"),
    ],
)
def test_the_reset_key_rule(key_role: str, own: bool, account_role: str, error: str | None) -> None:
    account_id = uuid.uuid4()
    key_id = account_id if own else uuid.uuid4()
    if error is None:
        check_reset_key(key_role, key_id, account_id, account_role)
    else:
        with pytest.raises(DomainError) as raised:
            check_reset_key(key_role, key_id, account_id, account_role)
        assert raised.value.code == error
