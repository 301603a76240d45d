"""Identity checks, authentication, scope, and malformed input."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from gangting.audit.models import AuditEntry
from tests.desks.conftest import Api, Booth
from tests.identity.evidence import FACE


def test_identity_check_refuses_a_bad_id_number_with_a_chinese_message(
    api: Api, world: dict[str, Any]
) -> None:
    b = Booth(api, api.login_booth())
    bad = world["driver"][:-1] + ("0" if world["driver"][-1] != "0" else "1")
    r = b.verify(bad)
    assert r.status_code == 422
    assert r.json()["error"] == "citizens.invalid_id_number"
    assert "校验" in r.json()["message"]


def test_identity_check_refuses_a_distant_face(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    r = b.verify(world["driver"], face={**FACE, "matched": False, "distance": 0.9})
    assert r.status_code == 403
    assert r.json()["error"] == "identity.face_mismatch"
    assert b.identity is None


def test_unknown_citizen_is_not_found(api: Api, world: dict[str, Any]) -> None:
    from datetime import date

    from tests.builders import id_number

    b = Booth(api, api.login_booth())
    r = b.verify(id_number(date(1990, 1, 1)))
    assert r.status_code == 404
    assert r.json()["error"] == "identity.citizen_not_found"


def test_identity_token_is_bound_to_its_booth(api: Api, booth: Booth) -> None:
    other = Booth(api, api.login_booth("BT-QS-001"), identity=booth.identity)
    r = other.get("/api/v1/me/licence")
    assert r.status_code == 401
    assert r.json()["error"] == "identity.required"


def test_identity_token_expires(api: Api, booth: Booth) -> None:
    from datetime import timedelta

    api.clock.advance(timedelta(seconds=api.ctx.settings.identity_token_ttl_s + 1))
    r = booth.get("/api/v1/me/licence")
    assert r.status_code == 401


def test_every_call_needs_a_token(api: Api, world: dict[str, Any]) -> None:
    r = api.client.get("/api/v1/me/licence")
    assert r.status_code == 401
    assert r.json()["error"] == "auth.required"
    r = api.client.post("/api/v1/auth/booth", json={"booth_code": "BT-KDL-001", "secret": "x"})
    assert r.status_code == 401
    assert r.json()["message"] == "岗亭编号或设备密钥错误"


def test_writes_need_an_idempotency_key(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    r = api.client.post(
        "/api/v1/violations/process",
        json={"violation_refs": [world["v1"]]},
        headers=booth.headers(),
    )
    assert r.status_code == 422
    assert r.json()["error"] == "idempotency.key_required"


def test_wrong_types_and_unknown_fields_get_a_422_in_chinese(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    r = booth.post("/api/v1/violations/process", {"violation_refs": "WF1"})
    assert r.status_code == 422
    assert r.json()["error"] == "request.invalid"
    assert "格式" in r.json()["message"]
    r = booth.post("/api/v1/violations/process", {"violation_refs": [], "x": 1})
    assert r.status_code == 422
    fields = {f["field"] for f in r.json()["data"]["fields"]}
    assert {"violation_refs", "x"} <= fields


def test_oversized_body_is_refused(api: Api, booth: Booth) -> None:
    big = {"violation_refs": ["W" * 60] * 2000}
    r = booth.post("/api/v1/violations/process", big)
    assert r.status_code == 413
    assert r.json()["error"] == "request.too_large"


def test_bad_json_is_a_422_not_a_500(api: Api, booth: Booth) -> None:
    r = api.client.post(
        "/api/v1/violations/process",
        content=b"{not json",
        headers={**booth.headers("k"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_staff_see_only_their_own_brigade(api: Api, booth: Booth, world: dict[str, Any]) -> None:
    booth.post("/api/v1/violations/process", {"violation_refs": [world["v1"]]})
    mine = api.client.get(
        "/api/v1/staff/applications",
        headers={"Authorization": f"Bearer {api.login_staff('off-kdl')}"},
    )
    theirs = api.client.get(
        "/api/v1/staff/applications",
        headers={"Authorization": f"Bearer {api.login_staff('off-qs')}"},
    )
    assert [a["booth_code"] for a in mine.json()["applications"]] == ["BT-KDL-001"]
    assert theirs.json()["applications"] == []


def test_citizen_lookup_needs_a_reason_is_masked_and_logged(
    api: Api, world: dict[str, Any]
) -> None:
    officer = {"Authorization": f"Bearer {api.login_staff('off-kdl')}"}
    url = f"/api/v1/staff/citizens/{world['driver']}"
    assert api.client.get(url, headers=officer).status_code == 422
    r = api.client.get(url, params={"reason": "核查违法处理投诉"}, headers=officer)
    assert r.status_code == 200
    assert r.json()["id_number"] == world["driver"][:6] + "********" + world["driver"][-4:]
    assert r.json()["name"].startswith("王") and "*" in r.json()["name"]
    reveal = api.client.get(
        url, params={"reason": "核查违法处理投诉", "reveal": "true"}, headers=officer
    )
    assert reveal.status_code == 403
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "citizen.lookup")
        ).scalar_one()
        assert entry.reason == "核查违法处理投诉"


def test_audit_is_for_supervisors(api: Api, world: dict[str, Any]) -> None:
    officer = {"Authorization": f"Bearer {api.login_staff('off-kdl')}"}
    supervisor = {"Authorization": f"Bearer {api.login_staff('sup-kdl')}"}
    assert api.client.get("/api/v1/staff/audit", headers=officer).status_code == 403
    r = api.client.get("/api/v1/staff/audit", headers=supervisor)
    assert r.status_code == 200
    assert any(e["action"] == "staff.login" for e in r.json()["entries"])


def test_a_refusal_is_filed_as_a_refused_application_with_its_receipt(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    from gangting.applications.models import Application

    body = {"violation_refs": [world["v1"]]}
    booth.post("/api/v1/violations/process", body)
    r = booth.post("/api/v1/violations/process", body, key="again")
    assert r.status_code == 409
    receipt = r.json()["data"]["receipt_no"]
    replay = booth.post("/api/v1/violations/process", body, key="again")
    assert replay.json() == r.json()  # same key, same answer, one refused application
    with api.ctx.uow() as uow:
        refused = uow.session.execute(
            select(Application).where(Application.state == "refused")
        ).scalar_one()
        assert refused.receipt_no == receipt
        assert refused.reasons[0]["code"] == "violations.already_processed"


def test_database_outage_is_a_503_in_chinese_not_a_500(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from gangting.app import create_app
    from gangting.config import Settings
    from gangting.context import build_context

    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/none",
        var_dir=tmp_path,
        db_pool_timeout_s=1,
    )
    with TestClient(create_app(build_context(settings)), raise_server_exceptions=False) as c:
        r = c.post("/api/v1/auth/booth", json={"booth_code": "BT-KDL-001", "secret": "x"})
    assert r.status_code == 503
    assert r.json()["error"] == "service.unavailable"
    assert "服务暂不可用" in r.json()["message"]


def test_responses_carry_server_timing(api: Api) -> None:
    r = api.client.get("/healthz")
    assert r.headers["server-timing"].startswith("app;dur=")


def test_expired_identity_is_not_stored_under_the_key(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    from datetime import timedelta

    body = {"violation_refs": [world["v1"]]}
    api.clock.advance(timedelta(seconds=api.ctx.settings.identity_token_ttl_s + 1))
    assert booth.post("/api/v1/violations/process", body, key="k-exp").status_code == 401
    assert booth.verify(world["driver"]).status_code == 200
    again = booth.post("/api/v1/violations/process", body, key="k-exp")
    assert again.status_code == 200, again.text
    assert again.json()["decisions"][0]["points"] == 6
