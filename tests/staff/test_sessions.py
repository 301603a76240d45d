"""Staff sessions (issue 12 §1, probes "no logout; a token revoked in the database still works
for up to 30 s; staff tokens live 8 hours"): log-out ends the token at once, a revoked token or
a disabled booth or account is refused on the very next request, and a staff session ends
after 30 min without renewal and 8 h after log-in whatever happens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.staff.models import AccessToken, StaffAccount
from tests.desks.conftest import Api, api, world

__all__ = ["api", "world"]

# Any staff route that needs a token and answers 200 to an officer.
PROBE = "/api/v1/staff/instructions"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def probe(api: Api, token: str) -> Any:
    return api.client.get(PROBE, headers=bearer(token))


def test_the_probe_route_answers_a_fresh_token(api: Api, world: dict[str, Any]) -> None:
    assert probe(api, api.login_staff("off-kdl")).status_code == 200


def test_logout_ends_the_token_at_once_and_is_audited(api: Api, world: dict[str, Any]) -> None:
    token = api.login_staff("off-kdl")
    other = api.login_staff("off-kdl", fresh=True)
    assert probe(api, token).status_code == 200
    r = api.client.post("/api/v1/staff/logout", headers=bearer(token))
    assert r.status_code == 200 and r.json() == {"ok": True}
    refused = probe(api, token)
    assert refused.status_code == 401 and refused.json()["error"] == "auth.token_invalid"
    assert api.client.post("/api/v1/staff/logout", headers=bearer(token)).status_code == 401
    # Only that session ended.
    assert probe(api, other).status_code == 200
    with api.ctx.uow() as uow:
        (entry,) = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "staff.logout")
        ).scalars()
        assert entry.data == {} and entry.actor_id != ""


def test_a_token_deleted_in_the_database_is_refused_on_the_next_request(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_staff("off-kdl")
    assert probe(api, token).status_code == 200
    with api.ctx.uow() as uow:
        uow.session.execute(delete(AccessToken))
    assert probe(api, token).status_code == 401


def test_a_deactivated_account_is_refused_on_the_next_request(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_staff("off-kdl")
    assert probe(api, token).status_code == 200
    with api.ctx.uow() as uow:
        uow.session.execute(
            update(StaffAccount).where(StaffAccount.username == "off-kdl").values(active=False)
        )
    r = probe(api, token)
    assert r.status_code == 401 and r.json()["message"] == "账号已停用"


def test_a_disabled_booth_is_refused_on_the_next_request(api: Api, world: dict[str, Any]) -> None:
    token = api.login_booth()
    ok = api.client.post("/api/v1/booth/identity/nonce", json={}, headers=bearer(token))
    assert ok.status_code == 200
    with api.ctx.uow() as uow:
        uow.session.execute(update(Booth).where(Booth.code == "BT-KDL-001").values(enabled=False))
    r = api.client.post("/api/v1/booth/identity/nonce", json={}, headers=bearer(token))
    assert r.status_code == 401 and r.json()["error"] == "auth.booth_disabled"


def test_a_staff_session_ends_after_30_idle_minutes(api: Api, world: dict[str, Any]) -> None:
    r = api.client.post(
        "/api/v1/auth/staff", json={"username": "off-kdl", "password": "test-password"}
    )
    assert r.json()["expires_in_s"] == 1800
    token = r.json()["access_token"]
    api.clock.advance(timedelta(minutes=29, seconds=59))
    assert probe(api, token).status_code == 200
    api.clock.advance(timedelta(seconds=1))
    assert probe(api, token).status_code == 401


def test_renewal_moves_the_idle_deadline_but_not_past_eight_hours(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_staff("off-kdl")
    login_at = api.clock.now()
    for _ in range(15):  # 15 x 29 min = 7 h 15 min, each renewal in time
        api.clock.advance(timedelta(minutes=29))
        r = api.client.post("/api/v1/staff/token/renew", headers=bearer(token))
        assert r.status_code == 200, r.text
        assert r.json()["expires_in_s"] == 1800
    assert probe(api, token).status_code == 200
    api.clock.advance(timedelta(minutes=29))  # 7 h 44 min
    r = api.client.post("/api/v1/staff/token/renew", headers=bearer(token))
    assert r.json()["expires_in_s"] == 16 * 60
    end = login_at + timedelta(hours=8)
    assert r.json()["session_expires_at"] == end.isoformat()
    api.clock.advance(timedelta(minutes=16))
    assert probe(api, token).status_code == 401
    assert api.client.post("/api/v1/staff/token/renew", headers=bearer(token)).status_code == 401


def test_a_booth_token_cannot_be_renewed_as_a_staff_session(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_booth()
    r = api.client.post("/api/v1/staff/token/renew", headers=bearer(token))
    assert r.status_code == 401 and r.json()["error"] == "auth.token_invalid"


def test_session_lengths_are_settings(api: Api, world: dict[str, Any]) -> None:
    api.ctx.settings.staff_session_idle_s = 300
    api.ctx.settings.staff_token_ttl_s = 600
    token = api.login_staff("off-kdl")
    api.clock.advance(timedelta(seconds=299))
    assert (
        api.client.post("/api/v1/staff/token/renew", headers=bearer(token)).json()["expires_in_s"]
        == 300
    )
    api.clock.advance(timedelta(seconds=301))
    assert probe(api, token).status_code == 401
