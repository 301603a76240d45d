"""Instructions from watch-list hits (SQLite and PostgreSQL): only a hit a person confirmed
leads to an interception; plate, booth and the hit's alert come from the hit; the
automatic listener on the "hit confirmed" hook issues once per hit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from gangting.alerts import service as alerts
from gangting.audit.models import AuditEntry
from gangting.booths.models import Booth
from gangting.instructions.from_hits import wire_hit_confirmed
from gangting.instructions.models import Instruction
from gangting.instructions.rules import DeadlinePolicy
from gangting.watchlists.models import WatchListEntry, WatchListHit
from tests.instructions.conftest import Org


def _hit(org: Org, booth_code: str = "BT-KDL-001", plate: str = "蒙B12345") -> str:
    """A pending hit of a stolen car at a booth, with its alert (as the plate-read
    matching raises them)."""
    with org.api.ctx.uow() as uow:
        now = uow.clock.now()
        booth = uow.session.execute(select(Booth).where(Booth.code == booth_code)).scalar_one()
        entry = WatchListEntry(
            plate_no=plate,
            reason_kind="stolen",
            reason="被盗抢骗车辆",
            legal_basis=[],
            source_kind="vehicle",
            source_ref=plate,
            facts={},
            state="active",
            created_at=now,
            created_by="system",
            version=1,
        )
        uow.session.add(entry)
        uow.session.flush()
        hit = WatchListHit(
            entry_id=entry.id,
            booth_id=booth.id,
            camera="north",
            plate_no=plate,
            read_plate=plate,
            score=0.97,
            matches=[],
            seen_at=now - timedelta(seconds=20),
            last_seen_at=now - timedelta(seconds=18),
            repeats=0,
            raised_at=now,
            state="pending",
        )
        uow.session.add(hit)
        uow.session.flush()
        alerts.raise_hit_alert(
            uow,
            hit_id=hit.id,
            booth=booth,
            plate_no=plate,
            reason_kind="stolen",
            severity="high",
            title="布控比中",
        )
        return str(hit.id)


def _confirm(org: Org, hit_id: str, username: str = "off-kdl-1") -> None:
    staff = org.as_(username)
    r = org.api.client.post(
        f"/api/v1/staff/watch-list-hits/{hit_id}/confirm",
        json={"note": "人工核对号牌一致"},
        headers=staff.headers(uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text


def test_only_a_confirmed_hit_leads_to_an_interception(org: Org) -> None:
    hit_id = _hit(org)
    sup = org.as_("sup-kdl")
    pending = sup.post(f"/from-hit/{hit_id}", {"location": "沿钢铁大街向北"})
    assert (pending.status_code, pending.json()["error"]) == (409, "instructions.hit_not_confirmed")
    generic = sup.issue(
        {"kind": "intercept", "text": "拦截", "hit_id": hit_id, "targets": {"squadron": "KDL-1"}}
    )
    assert (generic.status_code, generic.json()["error"]) == (409, "instructions.hit_not_confirmed")
    _confirm(org, hit_id)
    r = sup.post(f"/from-hit/{hit_id}", {"location": "沿钢铁大街向北"}, key="from-hit-1")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "intercept"
    assert (
        body["text"] == "拦截布控车辆蒙B·12345（被盗抢骗），09:59经过昆都仑测试岗亭（BT-KDL-001），"
        "沿钢铁大街向北"
    )
    subject = body["subject"]
    assert (subject["plate_no"], subject["booth"], subject["hit_id"]) == (
        "蒙B12345",
        "BT-KDL-001",
        hit_id,
    )
    assert subject["alert_id"] is not None and subject["location"] == "沿钢铁大街向北"
    assert [t["username"] for t in body["targets"]] == ["off-kdl-1", "off-kdl-2"]
    # or the generic issue naming the hit: the plate must be the listed one
    wrong = sup.issue(
        {
            "kind": "intercept",
            "text": "拦截",
            "hit_id": hit_id,
            "plate": "蒙B54321",
            "targets": {"squadron": "KDL-1"},
        }
    )
    assert (wrong.status_code, wrong.json()["error"]) == (422, "instructions.invalid")
    ok = sup.issue(
        {
            "kind": "intercept",
            "text": "二中队协助拦截",
            "hit_id": hit_id,
            "targets": {"squadron": "KDL-2"},
        }
    )
    assert ok.status_code == 201 and ok.json()["subject"]["plate_no"] == "蒙B12345"
    missing = sup.post(f"/from-hit/{uuid.uuid4()}", {})
    assert (missing.status_code, missing.json()["error"]) == (404, "instructions.subject_not_found")


def test_a_rejected_hit_leads_to_nothing(org: Org) -> None:
    hit_id = _hit(org)
    staff = org.as_("off-kdl-1")
    r = org.api.client.post(
        f"/api/v1/staff/watch-list-hits/{hit_id}/reject",
        json={"note": "号牌实为蒙B12845"},
        headers=staff.headers(uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text
    refused = org.as_("sup-kdl").post(f"/from-hit/{hit_id}", {})
    assert refused.json()["data"]["state"] == "rejected"


@pytest.fixture
def wired() -> Iterator[None]:
    unwire = wire_hit_confirmed(DeadlinePolicy())
    try:
        yield
    finally:
        unwire()


@pytest.mark.usefixtures("wired")
def test_the_hook_issues_the_interception_at_confirmation_once(org: Org) -> None:
    hit_id = _hit(org)
    _confirm(org, hit_id, "off-kdl-1")  # an officer may confirm; the centre's rule issues
    with org.api.ctx.uow() as uow:
        (instruction,) = uow.session.execute(select(Instruction)).scalars()
        assert (instruction.source_key, instruction.issued_by) == (f"hit:{hit_id}", "off-kdl-1")
        issued = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "instruction.issued")
        ).scalar_one()
        assert issued.data["automatic"] is True
    listed = org.as_("off-kdl-2").get("?mine=true").json()["instructions"]
    assert [(i["kind"], i["subject"]["hit_id"]) for i in listed] == [("intercept", hit_id)]
    # wiring twice replaces the listener: still one instruction per hit
    wire_hit_confirmed(DeadlinePolicy())
    second = _hit(org, plate="蒙B67890")
    _confirm(org, second, "sup-kdl")
    with org.api.ctx.uow() as uow:
        keys = sorted(k for k in uow.session.execute(select(Instruction.source_key)).scalars() if k)
    assert keys == sorted([f"hit:{hit_id}", f"hit:{second}"])


@pytest.mark.usefixtures("wired")
def test_a_booth_without_officers_does_not_block_the_confirmation(org: Org) -> None:
    hit_id = _hit(org, booth_code="BT-QS-001")
    with org.api.ctx.uow() as uow:
        from gangting.staff.models import StaffAccount

        officer = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == "off-qs-1")
        ).scalar_one()
        officer.active = False
    _confirm(org, hit_id, "sup-qs")
    with org.api.ctx.uow() as uow:
        assert uow.session.execute(select(Instruction)).first() is None
        hit = uow.session.get(WatchListHit, uuid.UUID(hit_id))
        assert hit is not None and hit.state == "confirmed"
        skipped = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "instruction.auto_skipped")
        ).scalar_one()
        assert skipped.data["unit"] == "QS-1"
