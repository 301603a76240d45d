"""Watch-list API: manual entries (supervisor, validated, idempotent, audited; two keys: the
request answers 202 with a pending approval, a second supervisor's approval makes the
entry), withdrawal, the rebuild, the staff list and the booths' versioned copy (full,
delta)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.watchlists.models import WatchListEntry
from tests.approvals.helpers import add_supervisor, approved, decide
from tests.desks.conftest import Api
from tests.watchlists.helpers import (
    car,
    has_chinese,
    rebuild,
    set_vehicle,
    staff_get,
    staff_post,
)

LIST = "/api/v1/staff/watch-list"
BOOTH = "/api/v1/booth/watch-list"


def _manual(api: Api, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "plate": "蒙B·7Z777",
        "reason": "涉嫌肇事逃逸，请注意拦截",
        "owner": "off-kdl",
        "expires_at": (api.clock.now() + timedelta(days=30)).isoformat(),
    }
    body.update(change)
    return body


@pytest.fixture
def checker(api: Api, world: dict[str, Any]) -> str:
    """The second key: another supervisor of KDL."""
    add_supervisor(api, "sup-kdl-2")
    return "sup-kdl-2"


def _listed(api: Api, body: dict[str, Any], checker: str = "sup-kdl-2") -> dict[str, Any]:
    """``body`` asked for by sup-kdl and approved by ``checker``: the entry made."""
    r = staff_post(api, api.login_staff("sup-kdl"), LIST, body)
    result: dict[str, Any] = approved(api, r, checker).json()["result"]
    return result


def test_a_supervisor_lists_a_plate_by_hand(api: Api, checker: str) -> None:
    sup = api.login_staff("sup-kdl")
    r = staff_post(api, sup, LIST, _manual(api), key="m-1")
    assert r.status_code == 202, r.text
    pending = r.json()
    assert (pending["kind"], pending["subject_id"]) == ("watch_list_entry", "蒙B7Z777")
    assert pending["subject_path"] == "/BT/KDL/"  # the owner's unit
    with api.ctx.uow() as uow:
        assert uow.session.query(WatchListEntry).count() == 0
    # Same key, same answer, one request.
    again = staff_post(api, sup, LIST, _manual(api), key="m-1")
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == pending
    done = approved(api, r, checker)
    entry = done.json()["result"]
    assert entry["plate_no"] == "蒙B7Z777" and entry["plate"] == "蒙B·7Z777"
    assert entry["reason_kind"] == "manual" and entry["reason_kind_zh"] == "人工布控"
    assert entry["owner"] == "off-kdl" and entry["created_by"] == "sup-kdl"
    assert entry["state"] == "active" and entry["version"] == 1
    twice = decide(api, "admin", pending["id"])
    assert twice.status_code == 409 and twice.json()["error"] == "approvals.decided"
    # Another request: already listed (checked when asking).
    dup = staff_post(api, sup, LIST, _manual(api))
    assert dup.status_code == 409 and dup.json()["error"] == "watchlists.already_listed"
    with api.ctx.uow() as uow:
        assert uow.session.query(WatchListEntry).count() == 1
        audit = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "watch_list_entry.added")
        ).scalar_one()
        assert audit.reason == "涉嫌肇事逃逸，请注意拦截" and audit.data["owner"] == "off-kdl"
    listed = staff_get(api, api.login_staff("off-qs"), LIST).json()
    assert listed["version"] == 1 and [e["id"] for e in listed["entries"]] == [entry["id"]]


def test_manual_entries_are_validated_in_chinese_and_never_500(
    api: Api, world: dict[str, Any]
) -> None:
    sup = api.login_staff("sup-kdl")
    now = api.clock.now()
    cases = [
        (_manual(api, reason="短"), 422, "watchlists.reason_required"),
        (_manual(api, owner=None), 422, "watchlists.owner_required"),
        (_manual(api, expires_at=None), 422, "watchlists.expiry_invalid"),
        (_manual(api, expires_at=(now - timedelta(hours=1)).isoformat()), 422, None),
        (_manual(api, expires_at=(now + timedelta(days=91)).isoformat()), 422, None),
        (_manual(api, expires_at="2026-12-01T10:00:00"), 422, "request.invalid"),  # naive
        (_manual(api, plate="蒙B·12"), 422, "vehicles.invalid_plate"),
        (_manual(api, owner="nobody"), 404, "watchlists.owner_not_found"),
        (_manual(api, owner="off-qs"), 403, "auth.out_of_scope"),  # not under KDL
        (_manual(api, colour="red"), 422, "request.invalid"),
    ]
    for body, status, code in cases:
        r = staff_post(api, sup, LIST, body)
        assert r.status_code == status, (body, r.text)
        assert has_chinese(r.json()["message"]), r.text
        if code is not None:
            assert r.json()["error"] == code, r.text
        else:
            assert r.json()["error"] == "watchlists.expiry_invalid", r.text
    officer = staff_post(api, api.login_staff("off-kdl"), LIST, _manual(api))
    assert officer.status_code == 403 and officer.json()["error"] == "auth.role_required"
    booth = staff_post(api, api.login_booth(), LIST, _manual(api))
    assert booth.status_code == 403
    no_key = api.client.post(LIST, json=_manual(api), headers={"Authorization": f"Bearer {sup}"})
    assert no_key.status_code == 422 and no_key.json()["error"] == "idempotency.key_required"
    with api.ctx.uow() as uow:
        assert uow.session.query(WatchListEntry).count() == 0


def test_a_manual_entry_is_withdrawn_once_and_a_derived_one_not_at_all(
    api: Api, checker: str
) -> None:
    sup = api.login_staff("sup-kdl")
    entry = _listed(api, _manual(api))
    path = f"{LIST}/{entry['id']}/withdraw"
    short = staff_post(api, sup, path, {"reason": "撤"})
    assert short.status_code == 422 and short.json()["error"] == "watchlists.note_required"
    r = staff_post(api, sup, path, {"reason": "嫌疑已排除"}, key="w-1")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "withdrawn" and r.json()["withdrawn_by"] == "sup-kdl"
    assert r.json()["version"] == 2
    twice = staff_post(api, sup, path, {"reason": "嫌疑已排除"})
    assert twice.status_code == 409 and twice.json()["error"] == "watchlists.entry_withdrawn"
    car(api, "蒙B00002", status="stolen")
    rebuild(api)
    with api.ctx.uow() as uow:
        derived = uow.session.execute(
            select(WatchListEntry.id).where(WatchListEntry.reason_kind == "stolen")
        ).scalar_one()
    refused = staff_post(api, sup, f"{LIST}/{derived}/withdraw", {"reason": "已找回"})
    assert refused.status_code == 409 and refused.json()["error"] == "watchlists.entry_derived"
    missing = staff_post(api, sup, f"{LIST}/{uuid.uuid4()}/withdraw", {"reason": "无此条目"})
    assert missing.status_code == 404 and missing.json()["error"] == "watchlists.entry_not_found"
    bad = staff_post(api, sup, f"{LIST}/not-a-uuid/withdraw", {"reason": "无此条目"})
    assert bad.status_code == 422


def test_only_an_admin_rebuilds_from_the_records(api: Api, world: dict[str, Any]) -> None:
    car(api, "蒙B00002", status="stolen")
    sup = staff_post(api, api.login_staff("sup-kdl"), f"{LIST}/rebuild", {})
    assert sup.status_code == 403
    r = staff_post(api, api.login_staff("admin"), f"{LIST}/rebuild", {})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == {"stolen": 1} and r.json()["version"] == 1
    listed = staff_get(api, api.login_staff("off-kdl"), LIST, kind="stolen").json()
    assert [e["plate_no"] for e in listed["entries"]] == ["蒙B00002"]
    assert listed["entries"][0]["legal_basis"]
    bad = staff_get(api, api.login_staff("off-kdl"), LIST, kind="unknown")
    assert bad.status_code == 422 and has_chinese(bad.json()["message"])


def test_a_booth_follows_the_list_by_version(api: Api, checker: str) -> None:
    booth = api.login_booth()
    empty = staff_get(api, booth, BOOTH)
    assert empty.status_code == 200, empty.text
    assert empty.json() | {"changed_at": None} == {
        "version": 0,
        "changed_at": None,
        "full": True,
        "entries": [],
        "removals": [],
    }
    car(api, "蒙B00002", status="stolen")
    car(api, "蒙B00003", status="seized")
    rebuild(api)
    full = staff_get(api, booth, BOOTH).json()
    assert full["version"] == 1 and full["full"] is True
    assert {e["plate_no"] for e in full["entries"]} == {"蒙B00002", "蒙B00003"}
    assert set(full["entries"][0]) == {"id", "plate_no", "reason_kind", "expires_at"}
    copy = {e["id"]: e for e in full["entries"]}

    manual = _listed(api, _manual(api))  # v2
    set_vehicle(api, "蒙B00002", status="normal")
    rebuild(api)  # v3: the stolen entry withdrawn
    delta = staff_get(api, booth, BOOTH, since_version=1).json()
    assert delta["full"] is False and delta["version"] == 3 and delta["since_version"] == 1
    assert [e["id"] for e in delta["entries"]] == [manual["id"]]
    stolen_id = next(i for i, e in copy.items() if e["plate_no"] == "蒙B00002")
    assert delta["removals"] == [stolen_id]
    for entry in delta["entries"]:
        copy[entry["id"]] = entry
    for gone in delta["removals"]:
        copy.pop(gone, None)
    now_full = staff_get(api, booth, BOOTH).json()
    assert {e["id"] for e in now_full["entries"]} == set(copy)
    # Up to date: an empty delta. Ahead of the centre: the full list again.
    same = staff_get(api, booth, BOOTH, since_version=3).json()
    assert same["full"] is False and same["entries"] == [] and same["removals"] == []
    ahead = staff_get(api, booth, BOOTH, since_version=99).json()
    assert ahead["full"] is True and ahead["version"] == 3
    negative = staff_get(api, booth, BOOTH, since_version=-1)
    assert negative.status_code == 422 and has_chinese(negative.json()["message"])
    staff = staff_get(api, api.login_staff("admin"), BOOTH)
    assert staff.status_code == 403 and staff.json()["error"] == "auth.role_required"
    assert api.client.get(BOOTH).status_code == 401


def test_an_expired_manual_entry_is_not_in_a_full_copy(api: Api, checker: str) -> None:
    _listed(api, _manual(api, expires_at=(api.clock.now() + timedelta(hours=2)).isoformat()))
    booth = api.login_booth()
    assert len(staff_get(api, booth, BOOTH).json()["entries"]) == 1
    api.clock.advance(timedelta(hours=2))
    assert staff_get(api, booth, BOOTH).json()["entries"] == []
