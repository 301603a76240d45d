"""Alerts API: the feed within one's org scope with filters; acknowledge, assign, close with
roles, idempotency keys, audit entries and zh-CN refusals (422 never 500)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gangting.alerts import service
from gangting.alerts.rules import Severity
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from tests.desks.conftest import Api
from tests.watchlists.helpers import has_chinese, staff_get, staff_post

ALERTS = "/api/v1/staff/alerts"


def _fault(api: Api, code: str, cause: str = "door_open", severity: Severity = "high") -> str:
    with api.ctx.uow() as uow:
        booth = uow.session.execute(select(Booth).where(Booth.code == code)).scalar_one()
        alert, created = service.raise_alert(
            uow,
            key=f"booth_fault:{code}:{cause}",
            kind="booth_fault",
            cause=cause,
            severity=severity,
            title=f"{code} 故障",
            org_unit_id=booth.org_unit_id,
            booth_id=booth.id,
            subject_kind="booth",
            subject_id=code,
        )
        assert created
        return str(alert.id)


def test_staff_see_the_alerts_of_their_own_unit(api: Api, world: dict[str, Any]) -> None:
    kdl = _fault(api, "BT-KDL-001")
    api.clock.advance(timedelta(seconds=1))
    qs = _fault(api, "BT-QS-001", "printer_paper_out", "medium")
    off_kdl = api.login_staff("off-kdl")
    mine = staff_get(api, off_kdl, ALERTS).json()["alerts"]
    assert [a["id"] for a in mine] == [kdl]
    assert mine[0]["kind_zh"] == "岗亭故障" and mine[0]["state_zh"] == "待签收"
    assert mine[0]["booth"] == "BT-KDL-001" and mine[0]["org_unit"] == "KDL"
    admin = api.login_staff("admin")
    assert [a["id"] for a in staff_get(api, admin, ALERTS).json()["alerts"]] == [qs, kdl]
    only = staff_get(api, admin, ALERTS, severity="medium", kind="booth_fault").json()
    assert [a["id"] for a in only["alerts"]] == [qs]
    assert staff_get(api, admin, ALERTS, booth="BT-KDL-001").json()["alerts"][0]["id"] == kdl
    assert len(staff_get(api, admin, ALERTS, state="active").json()["alerts"]) == 2
    assert staff_get(api, admin, ALERTS, state="closed").json()["alerts"] == []
    for bad in ({"state": "gone"}, {"kind": "x"}, {"limit": 0}):
        r = staff_get(api, admin, ALERTS, **bad)
        assert r.status_code == 422 and has_chinese(r.json()["message"]), bad
    assert staff_get(api, off_kdl, f"{ALERTS}/{qs}").status_code == 403
    assert staff_get(api, off_kdl, f"{ALERTS}/{uuid.uuid4()}").status_code == 404
    assert staff_get(api, api.login_booth(), ALERTS).status_code == 403
    assert api.client.get(ALERTS).status_code == 401


def test_acknowledge_assign_close_with_audit(api: Api, world: dict[str, Any]) -> None:
    alert = _fault(api, "BT-KDL-001")
    officer = api.login_staff("off-kdl")
    sup = api.login_staff("sup-kdl")
    r = staff_post(api, officer, f"{ALERTS}/{alert}/acknowledge", {"note": "已收到"}, "a-1")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "acknowledged" and r.json()["owner"] == "off-kdl"
    replay = staff_post(api, officer, f"{ALERTS}/{alert}/acknowledge", {"note": "已收到"}, "a-1")
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == r.json()
    reused = staff_post(api, officer, f"{ALERTS}/{alert}/acknowledge", {"note": "改了"}, "a-1")
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency.key_reused"
    twice = staff_post(api, sup, f"{ALERTS}/{alert}/acknowledge", {})
    assert twice.status_code == 409 and twice.json()["error"] == "alerts.state_conflict"
    assert has_chinese(twice.json()["message"])
    # Assigning: supervisors only, an owner they may task who can see the alert.
    by_officer = staff_post(api, officer, f"{ALERTS}/{alert}/assign", {"owner": "sup-kdl"})
    assert by_officer.status_code == 403 and by_officer.json()["error"] == "auth.role_required"
    outside = staff_post(api, sup, f"{ALERTS}/{alert}/assign", {"owner": "off-qs"})
    assert outside.status_code == 403 and outside.json()["error"] == "auth.out_of_scope"
    nobody = staff_post(api, sup, f"{ALERTS}/{alert}/assign", {"owner": "ghost"})
    assert nobody.status_code == 404 and nobody.json()["error"] == "alerts.owner_not_found"
    to_sup = staff_post(api, sup, f"{ALERTS}/{alert}/assign", {"owner": "sup-kdl", "note": "我来"})
    assert to_sup.status_code == 200 and to_sup.json()["owner"] == "sup-kdl"
    # Closing: the owner or a supervisor; a note is required.
    not_owner = staff_post(api, officer, f"{ALERTS}/{alert}/close", {"note": "已处理"})
    assert not_owner.status_code == 403 and has_chinese(not_owner.json()["message"])
    no_note = staff_post(api, sup, f"{ALERTS}/{alert}/close", {"note": " "})
    assert no_note.status_code == 422 and no_note.json()["error"] == "alerts.note_required"
    missing = staff_post(api, sup, f"{ALERTS}/{alert}/close", {})
    assert missing.status_code == 422 and missing.json()["error"] == "request.invalid"
    closed = staff_post(api, sup, f"{ALERTS}/{alert}/close", {"note": "门已关好，设备正常"})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["state"] == "closed" and body["closed_by"] == "sup-kdl"
    assert body["close_note"] == "门已关好，设备正常"
    late = staff_post(api, sup, f"{ALERTS}/{alert}/assign", {"owner": "off-kdl"})
    assert late.status_code == 409
    with api.ctx.uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.action, AuditEntry.reason)
            .where(AuditEntry.subject_id == alert)
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
    assert [(a, r) for a, r in rows] == [
        ("alert.raised", None),
        ("alert.acknowledged", "已收到"),
        ("alert.assigned", "我来"),
        ("alert.closed", "门已关好，设备正常"),
    ]


def test_an_owner_closes_their_own_alert(api: Api, world: dict[str, Any]) -> None:
    alert = _fault(api, "BT-KDL-001")
    officer = api.login_staff("off-kdl")
    assert staff_post(api, officer, f"{ALERTS}/{alert}/acknowledge", {}).status_code == 200
    r = staff_post(api, officer, f"{ALERTS}/{alert}/close", {"note": "已换纸"})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    mine = staff_get(api, officer, ALERTS, owner="me", state="closed").json()["alerts"]
    assert [a["id"] for a in mine] == [alert]
    again = staff_post(api, officer, f"{ALERTS}/{alert}/close", {"note": "已换纸"})
    assert again.status_code == 409 and again.json()["error"] == "alerts.state_conflict"
