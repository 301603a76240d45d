"""Hits: a plate read that matches the list becomes one pending hit per pass with its alert;
a person confirms (the hook runs, the alert is acknowledged) or rejects (the alert closes);
permissions, idempotency keys and zh-CN refusals through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gangting.alerts.models import Alert
from gangting.audit.models import AuditEntry
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.watchlists.hits import ConfirmedHit, listen_hit_confirmed
from gangting.watchlists.models import WatchListHit
from gangting.watchlists.rules import WatchListPolicy
from gangting.watchlists.service import IndexCache
from tests.desks.conftest import Api
from tests.watchlists.helpers import (
    car,
    check,
    has_chinese,
    read_plate,
    rebuild,
    set_vehicle,
    staff_get,
    staff_post,
)

HITS = "/api/v1/staff/watch-list-hits"


def _stolen(api: Api, plate: str = "蒙BB2345") -> None:
    car(api, plate, status="stolen")
    rebuild(api)


def _count(api: Api, model: Any) -> int:
    with api.ctx.uow() as uow:
        return int(uow.session.query(model).count())


def test_a_confusable_read_raises_one_pending_hit_with_its_alert(
    api: Api, world: dict[str, Any]
) -> None:
    _stolen(api)
    cache = IndexCache()
    # The camera read 8 for B, not very sure of it: a hit scored below 1.
    read = read_plate(api, "蒙B82345", confidences=[0.99, 0.99, 0.4, 0.99, 0.99, 0.99, 0.99])
    hit = check(api, read, cache)
    assert hit is not None
    assert hit["state"] == "pending" and hit["plate_no"] == "蒙BB2345"
    assert hit["read_plate"] == "蒙B82345" and hit["score"] == 0.74
    assert hit["entry"]["reason_kind"] == "stolen" and hit["booth"] == "BT-KDL-001"
    assert hit["repeat"] is False
    with api.ctx.uow() as uow:
        alert = uow.session.execute(select(Alert)).scalar_one()
        assert alert.kind == "hit" and alert.severity == "high" and alert.state == "open"
        assert alert.key == f"hit:{hit['id']}" and "蒙B·B2345" in alert.title
        actions = set(uow.session.execute(select(AuditEntry.action)).scalars())
        assert {"watch_list_hit.raised", "alert.raised"} <= actions
    # The same read checked again (a redelivery) answers the same hit.
    again = check(api, read, cache)
    assert again is not None and again["id"] == hit["id"] and again["repeat"] is True
    assert _count(api, WatchListHit) == 1 and _count(api, Alert) == 1


def test_one_hit_per_pass_at_a_booth(api: Api, world: dict[str, Any]) -> None:
    _stolen(api)
    cache = IndexCache()
    first = check(api, read_plate(api, "蒙BB2345"), cache)
    assert first is not None
    # A second camera 1 minute later: the same pass.
    api.clock.advance(timedelta(minutes=1))
    second = check(api, read_plate(api, "蒙BB2345"), cache)
    assert second is not None and second["id"] == first["id"] and second["repeats"] == 1
    # Another booth: its own hit.
    other = check(api, read_plate(api, "蒙BB2345", booth="BT-QS-001"), cache)
    assert other is not None and other["id"] != first["id"]
    # Beyond the window (5 min): a new pass.
    api.clock.advance(timedelta(minutes=10))
    later = check(api, read_plate(api, "蒙BB2345"), cache)
    assert later is not None and later["id"] != first["id"] and later["repeats"] == 0
    assert _count(api, WatchListHit) == 3 and _count(api, Alert) == 3
    # A window of one second makes every read its own pass.
    api.clock.advance(timedelta(seconds=30))
    tight = check(api, read_plate(api, "蒙BB2345"), cache, WatchListPolicy(hit_window_s=1))
    assert tight is not None and tight["id"] != later["id"]


def test_no_hit_for_an_unlisted_or_really_different_plate(api: Api, world: dict[str, Any]) -> None:
    _stolen(api)
    cache = IndexCache()
    assert check(api, read_plate(api, "蒙BB2346"), cache) is None  # 6 vs 5
    assert check(api, read_plate(api, "蒙BH2345"), cache) is None
    # Confusable but read with full confidence twice: 0.5 x 0.5 < 0.5.
    assert check(api, read_plate(api, "蒙B8Z345", confidences=[1.0] * 7), cache) is None
    assert _count(api, WatchListHit) == 0 and _count(api, Alert) == 0


def test_the_index_follows_the_list(api: Api, world: dict[str, Any]) -> None:
    cache = IndexCache()
    assert check(api, read_plate(api, "蒙BB2345"), cache) is None
    _stolen(api)  # version 1: the cache takes the delta
    assert check(api, read_plate(api, "蒙BB2345", booth="BT-QS-001"), cache) is not None
    assert cache.size == 1
    set_vehicle(api, "蒙BB2345", status="normal")
    rebuild(api)  # version 2: withdrawn
    assert check(api, read_plate(api, "蒙BB2345", seen_ago_s=1000), cache) is None
    assert cache.size == 0


def _hit(api: Api) -> str:
    _stolen(api)
    hit = check(api, read_plate(api, "蒙BB2345"), IndexCache())
    assert hit is not None
    return str(hit["id"])


def test_an_officer_confirms_a_hit_and_the_hook_runs(api: Api, world: dict[str, Any]) -> None:
    hit_id = _hit(api)
    seen: list[ConfirmedHit] = []

    def listener(uow: UnitOfWork, actor: Actor, hit: ConfirmedHit) -> None:
        assert uow.session is not None
        seen.append(hit)

    remove = listen_hit_confirmed(listener)
    try:
        officer = api.login_staff("off-kdl")
        detail = staff_get(api, officer, f"{HITS}/{hit_id}").json()
        assert (
            detail["evidence"]["jpeg_b64"] == "aGl0" and len(detail["evidence"]["box"] or []) == 0
        )
        r = staff_post(api, officer, f"{HITS}/{hit_id}/confirm", {"note": "图像比对一致"}, "c-1")
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "confirmed" and r.json()["decided_by"] == "off-kdl"
        replay = staff_post(
            api, officer, f"{HITS}/{hit_id}/confirm", {"note": "图像比对一致"}, "c-1"
        )
        assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
        decided = staff_post(api, officer, f"{HITS}/{hit_id}/confirm", {})
        assert decided.status_code == 409 and decided.json()["error"] == "watchlists.hit_decided"
        assert has_chinese(decided.json()["message"])
    finally:
        remove()
    assert len(seen) == 1
    assert seen[0].plate_no == "蒙BB2345" and seen[0].reason_kind == "stolen"
    assert seen[0].booth_code == "BT-KDL-001" and seen[0].confirmed_by == "off-kdl"
    with api.ctx.uow() as uow:
        alert = uow.session.execute(select(Alert)).scalar_one()
        assert alert.state == "acknowledged" and alert.owner == "off-kdl"
        actions = [
            a
            for a in uow.session.execute(select(AuditEntry.action)).scalars()
            if a.startswith(("watch_list_hit", "alert"))
        ]
        assert "watch_list_hit.confirmed" in actions and "alert.acknowledged" in actions
        assert "watch_list_hit_confirm.refused" in actions


def test_a_rejected_hit_closes_its_alert_and_goes_no_further(
    api: Api, world: dict[str, Any]
) -> None:
    hit_id = _hit(api)
    seen: list[ConfirmedHit] = []
    remove = listen_hit_confirmed(lambda uow, actor, hit: seen.append(hit))
    try:
        officer = api.login_staff("off-kdl")
        missing_note = staff_post(api, officer, f"{HITS}/{hit_id}/reject", {})
        assert missing_note.status_code == 422 and has_chinese(missing_note.json()["message"])
        blank = staff_post(api, officer, f"{HITS}/{hit_id}/reject", {"note": " "})
        assert blank.status_code == 422 and blank.json()["error"] == "watchlists.note_required"
        r = staff_post(api, officer, f"{HITS}/{hit_id}/reject", {"note": "实为蒙B·B2346，误识"})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "rejected" and r.json()["note"] == "实为蒙B·B2346，误识"
        late = staff_post(api, officer, f"{HITS}/{hit_id}/confirm", {})
        assert late.status_code == 409
    finally:
        remove()
    assert seen == []
    with api.ctx.uow() as uow:
        alert = uow.session.execute(select(Alert)).scalar_one()
        assert alert.state == "closed" and alert.close_note == "比中已否定：实为蒙B·B2346，误识"


def test_who_may_see_and_decide_hits(api: Api, world: dict[str, Any]) -> None:
    hit_id = _hit(api)
    other = api.login_staff("off-qs")  # another brigade
    assert staff_get(api, other, HITS).json()["hits"] == []
    out = staff_post(api, other, f"{HITS}/{hit_id}/confirm", {})
    assert out.status_code == 403 and out.json()["error"] == "auth.out_of_scope"
    assert staff_get(api, other, f"{HITS}/{hit_id}").status_code == 403
    booth = staff_post(api, api.login_booth(), f"{HITS}/{hit_id}/confirm", {})
    assert booth.status_code == 403 and booth.json()["error"] == "auth.role_required"
    assert api.client.get(HITS).status_code == 401
    admin = api.login_staff("admin")
    listed = staff_get(api, admin, HITS, state="pending").json()["hits"]
    assert [h["id"] for h in listed] == [hit_id]
    assert staff_get(api, admin, HITS, state="confirmed").json()["hits"] == []
    assert staff_get(api, admin, HITS, state="maybe").status_code == 422
    unknown = staff_post(api, admin, f"{HITS}/{uuid.uuid4()}/confirm", {})
    assert unknown.status_code == 404 and unknown.json()["error"] == "watchlists.hit_not_found"
    assert staff_post(api, admin, f"{HITS}/x/confirm", {}).status_code == 422
    with api.ctx.uow() as uow:
        assert uow.session.execute(select(WatchListHit.state)).scalar_one() == "pending"
