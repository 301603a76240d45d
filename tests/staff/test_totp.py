"""The second factor (issue 12 §1, probe "no second factor for administrators"): TOTP for
administrators and supervisors, compulsory (docs/decisions/0019): an account of theirs not yet
bound logs in to a token that can only bind it (secret shown once, confirmed by a first code,
which answers the session's token); then every log-in of theirs needs the code; officers need
none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select, update

from gangting.audit.models import AuditEntry
from gangting.staff import totp
from gangting.staff.models import StaffAccount
from tests import builders
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]


@pytest.fixture
def unbound(api: Api, world: dict[str, Any]) -> None:
    """The administrator and the supervisors as an administrator creates them: not bound."""
    with api.ctx.uow() as uow:
        uow.session.execute(
            update(StaffAccount)
            .where(StaffAccount.role != "officer")
            .values(totp_secret=None, totp_enrolled_at=None)
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(api: Api, username: str, code: str | None = None) -> Any:
    body: dict[str, Any] = {"username": username, "password": builders.STAFF_PASSWORD}
    if code is not None:
        body["totp_code"] = code
    return api.client.post("/api/v1/auth/staff", json=body)


def enrol(api: Api, username: str) -> str:
    """Log in unbound, bind with the enrolment token; the secret."""
    r = login(api, username)
    assert r.status_code == 200 and r.json()["second_factor"] == "enrolment_required", r.text
    token = r.json()["access_token"]
    started = api.client.post("/api/v1/staff/totp/enrol", headers=bearer(token))
    assert started.status_code == 200, started.text
    secret = str(started.json()["secret"])
    uri = urlparse(started.json()["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [secret]
    confirmed = api.client.post(
        "/api/v1/staff/totp/confirm",
        json={"code": totp.code_at(secret, api.clock.now())},
        headers=bearer(token),
    )
    assert confirmed.status_code == 200, confirmed.text
    session = confirmed.json()["access_token"]
    assert api.client.get("/api/v1/staff/accounts", headers=bearer(session)).status_code == 200
    return secret


@pytest.mark.usefixtures("unbound")
def test_an_unbound_admin_gets_a_token_that_only_binds_the_factor(api: Api) -> None:
    assert login(api, "off-kdl").json()["second_factor"] == "not_required"
    r = login(api, "sup-kdl")
    assert r.json()["second_factor"] == "enrolment_required"
    r = login(api, "admin")
    assert r.json()["second_factor"] == "enrolment_required"
    assert r.json()["expires_in_s"] == 600
    token = bearer(r.json()["access_token"])
    for method, path in (
        ("GET", "/api/v1/staff/accounts"),
        ("GET", "/api/v1/staff/audit"),
        ("POST", "/api/v1/staff/token/renew"),
    ):
        refused = api.client.request(method, path, headers=token)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"] == "staff.totp_enrolment_required"
        assert "绑定动态验证码" in refused.json()["message"]
    with api.ctx.uow() as uow:
        admin_id = uow.session.execute(
            select(StaffAccount.id).where(StaffAccount.username == "admin")
        ).scalar_one()
        (entry,) = uow.session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "staff.login", AuditEntry.subject_id == str(admin_id)
            )
        ).scalars()
        assert entry.data == {"second_factor": "enrolment_required"}
    # it lives ten minutes, and logging out ends it at once
    assert api.client.post("/api/v1/staff/logout", headers=token).status_code == 200
    assert api.client.post("/api/v1/staff/totp/enrol", headers=token).status_code == 401
    later = bearer(login(api, "admin").json()["access_token"])
    api.clock.advance(timedelta(seconds=601))
    assert api.client.post("/api/v1/staff/totp/enrol", headers=later).status_code == 401


@pytest.mark.usefixtures("unbound")
def test_binding_with_the_enrolment_token_answers_the_session(api: Api) -> None:
    r = login(api, "admin")
    enrolling = r.json()["access_token"]
    secret, session = api.bind_second_factor(enrolling)
    assert api.client.get("/api/v1/staff/accounts", headers=bearer(session)).status_code == 200
    # the enrolment token ended with the binding
    ended = api.client.get("/api/v1/staff/accounts", headers=bearer(enrolling))
    assert ended.status_code == 401
    api.clock.advance(timedelta(seconds=30))
    r = login(api, "admin", totp.code_at(secret, api.clock.now()))
    assert r.json()["second_factor"] == "verified"


@pytest.mark.usefixtures("unbound")
def test_an_enrolled_admin_needs_the_code(api: Api) -> None:
    secret = enrol(api, "admin")
    r = login(api, "admin")
    assert r.status_code == 401
    assert r.json() == {
        "error": "staff.totp_required",
        "message": "请输入动态验证码（身份验证器应用中的6位数字）",
        "data": {},
    }
    api.clock.advance(timedelta(seconds=30))
    r = login(api, "admin", totp.code_at(secret, api.clock.now()))
    assert r.status_code == 200, r.text
    assert r.json()["second_factor"] == "verified"
    assert (
        api.client.get(
            "/api/v1/staff/accounts", headers=bearer(r.json()["access_token"])
        ).status_code
        == 200
    )


@pytest.mark.usefixtures("unbound")
def test_a_wrong_or_replayed_code_is_refused_and_counted(api: Api) -> None:
    secret = enrol(api, "sup-kdl")
    api.clock.advance(timedelta(seconds=30))
    code = totp.code_at(secret, api.clock.now())
    assert login(api, "sup-kdl", code).status_code == 200
    replay = login(api, "sup-kdl", code)
    assert replay.status_code == 401 and replay.json()["error"] == "staff.totp_wrong"
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert login(api, "sup-kdl", wrong).json()["error"] == "staff.totp_wrong"
    api.clock.advance(timedelta(seconds=30))
    r = login(api, "sup-kdl", totp.code_at(secret, api.clock.now()))
    assert r.status_code == 429
    with api.ctx.uow() as uow:
        causes = sorted(
            e.data["cause"]
            for e in uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "staff.login_failed")
            ).scalars()
        )
    assert causes == ["throttled"] + ["totp_wrong"] * 5


@pytest.mark.usefixtures("unbound")
def test_a_missing_code_is_not_counted_against_the_throttle(api: Api) -> None:
    secret = enrol(api, "admin")
    for _ in range(6):
        assert login(api, "admin").json()["error"] == "staff.totp_required"
    api.clock.advance(timedelta(seconds=30))
    assert login(api, "admin", totp.code_at(secret, api.clock.now())).status_code == 200


@pytest.mark.usefixtures("unbound")
def test_a_wrong_password_is_refused_before_the_code_is_asked(api: Api) -> None:
    enrol(api, "admin")
    r = api.client.post("/api/v1/auth/staff", json={"username": "admin", "password": "nope"})
    assert r.status_code == 401 and r.json()["error"] == "auth.bad_credentials"


@pytest.mark.usefixtures("unbound")
def test_enrolment_is_confirmed_by_a_right_code_and_shown_once(api: Api) -> None:
    token = login(api, "admin").json()["access_token"]
    started = api.client.post("/api/v1/staff/totp/enrol", headers=bearer(token)).json()
    bad = api.client.post(
        "/api/v1/staff/totp/confirm", json={"code": "123456"}, headers=bearer(token)
    )
    if totp.code_at(started["secret"], api.clock.now()) != "123456":
        assert bad.status_code == 422 and bad.json()["error"] == "staff.totp_code_invalid"
    # Not in force until confirmed.
    assert login(api, "admin").json()["second_factor"] == "enrolment_required"
    ok = api.client.post(
        "/api/v1/staff/totp/confirm",
        json={"code": totp.code_at(started["secret"], api.clock.now())},
        headers=bearer(token),
    )
    assert ok.status_code == 200
    session = bearer(ok.json()["access_token"])
    again = api.client.post("/api/v1/staff/totp/enrol", headers=session)
    assert again.status_code == 409 and again.json()["error"] == "staff.totp_already_enrolled"
    with api.ctx.uow() as uow:
        account = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == "admin")
        ).scalar_one()
        assert account.totp_enrolled_at == api.clock.now()
        entries = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action.like("staff.totp%"))
        ).scalars()
        for entry in entries:
            assert started["secret"] not in str(entry.data)


def test_an_officer_binds_one_within_the_session(api: Api, world: dict[str, Any]) -> None:
    """An officer may bind one too (its session token stays, no new one is answered)."""
    token = bearer(api.login_staff("off-kdl"))
    secret = api.client.post("/api/v1/staff/totp/enrol", headers=token).json()["secret"]
    code = totp.code_at(secret, api.clock.now())
    ok = api.client.post("/api/v1/staff/totp/confirm", json={"code": code}, headers=token)
    assert ok.status_code == 200 and ok.json().get("access_token") is None
    assert api.client.get("/api/v1/staff/totp/enrol", headers=token).status_code == 405


def test_officers_need_no_code_and_the_roles_are_a_setting(api: Api, world: dict[str, Any]) -> None:
    token = bearer(api.login_staff("off-kdl"))
    secret = api.client.post("/api/v1/staff/totp/enrol", headers=token).json()["secret"]
    code = totp.code_at(secret, api.clock.now())
    assert api.client.post("/api/v1/staff/totp/confirm", json={"code": code}, headers=token)
    assert login(api, "off-kdl").json()["second_factor"] == "not_required"
    api.ctx.settings.staff_totp_roles = "officer,supervisor,admin"
    assert login(api, "off-kdl").json()["error"] == "staff.totp_required"
    api.clock.advance(timedelta(seconds=30))
    assert login(api, "off-kdl", totp.code_at(secret, api.clock.now())).status_code == 200


def test_codes_within_one_step_of_drift_are_accepted() -> None:
    secret = totp.new_secret()
    from tests.conftest import NOW

    step = int(NOW.timestamp()) // 30
    assert totp.matching_step(secret, totp.code_at(secret, NOW), NOW, None) == step
    earlier = totp.code_at(secret, NOW - timedelta(seconds=30))
    assert totp.matching_step(secret, earlier, NOW, None) == step - 1
    assert totp.matching_step(secret, earlier, NOW, step - 1) is None
    too_old = totp.code_at(secret, NOW - timedelta(seconds=90))
    assert totp.matching_step(secret, too_old, NOW, None) is None
    assert totp.matching_step(secret, "12345", NOW, None) is None
