"""The screen's API: snapshot, booth detail, telemetry history, evidence crops, the map and
the page itself (served with its content-security policy)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.command_centre import scenario
from tests.command_centre.conftest import Centre

REMOTE = re.compile(r"(https?:)?//(?!www\.w3\.org/2000/svg)[a-z0-9.-]+\.[a-z]{2,}", re.I)


def seed_city(centre: Centre) -> str:
    """BT-KDL-001 with an open door (fault) and a hit; BT-QS-001 healthy; returns the
    hit's id."""
    now = centre.clock.now()
    new_uow = centre.ctx.uow
    scenario.telemetry(new_uow, "BT-QS-001", "paper", "ok", now)
    scenario.telemetry(new_uow, "BT-KDL-001", "paper", "ok", now - timedelta(minutes=30))
    scenario.telemetry(new_uow, "BT-KDL-001", "temperature_c", 21.5, now - timedelta(minutes=20))
    scenario.telemetry(new_uow, "BT-KDL-001", "temperature_c", 23.0, now - timedelta(minutes=10))
    scenario.telemetry(new_uow, "BT-KDL-001", "door", "open", now)
    scenario.watch(new_uow, "sup-kdl", "off-kdl-1", "蒙B·7Q260", centre.clock)
    _, hit = scenario.read_plate(new_uow, "BT-KDL-001", "蒙B7Q260", now - timedelta(seconds=30))
    scenario.read_plate(new_uow, "BT-QS-001", "蒙B12345", now - timedelta(seconds=20))
    assert hit is not None
    return str(hit["id"])


def test_the_snapshot_shows_booths_coloured_and_what_is_open(centre: Centre) -> None:
    hit_id = seed_city(centre)
    snap = centre.get("admin", "/api/v1/centre/snapshot").json()
    booths = {b["code"]: b for b in snap["booths"]}
    assert booths["BT-KDL-001"]["status"] == "fault"
    assert booths["BT-KDL-001"]["status_zh"] == "故障"
    assert booths["BT-QS-001"]["status"] == "ok"
    assert booths["BT-KDL-001"]["lon"] == 109.82 and booths["BT-KDL-001"]["district"] == "昆都仑区"
    kinds = sorted(a["kind"] for a in snap["alerts"])
    assert kinds == ["booth_fault", "hit"]
    assert [h["id"] for h in snap["hits"]] == [hit_id]
    assert snap["hits"][0]["state"] == "pending"
    assert len(snap["plate_reads"]) == 2
    assert all("evidence_jpeg_b64" not in r and r["has_evidence"] for r in snap["plate_reads"])
    assert snap["me"]["may_command"] is True


def test_an_officer_sees_only_the_booths_of_their_own_unit(centre: Centre) -> None:
    seed_city(centre)
    snap = centre.get("off-qs-1", "/api/v1/centre/snapshot").json()
    assert [b["code"] for b in snap["booths"]] == ["BT-QS-001"]
    assert snap["alerts"] == [] and snap["hits"] == []
    assert [r["booth"] for r in snap["plate_reads"]] == ["BT-QS-001"]
    assert snap["me"]["may_command"] is False
    assert centre.get("off-qs-1", "/api/v1/centre/booths/BT-KDL-001").status_code == 403


def test_booth_detail_has_registry_state_reads_with_crops_and_kinds(centre: Centre) -> None:
    seed_city(centre)
    detail = centre.get("sup-kdl", "/api/v1/centre/booths/BT-KDL-001").json()
    assert detail["booth"]["unit"]["code"] == "KDL-1"
    assert detail["booth"]["values"]["door"]["value"] == "open"
    assert [f["cause"] for f in detail["booth"]["faults"]] == ["door_open"]
    assert detail["telemetry_kinds"] == ["door", "paper", "temperature_c"]
    (read,) = detail["plate_reads"]
    assert read["plate_no"] == "蒙B7Q260" and read["evidence_jpeg_b64"] == "aGl0"
    assert {a["kind"] for a in detail["alerts"]} == {"booth_fault", "hit"}
    assert detail["commands"] == []
    missing = centre.get("sup-kdl", "/api/v1/centre/booths/BT-NONE-001")
    assert missing.status_code == 404 and missing.json()["error"] == "centre.booth_not_found"


def test_telemetry_history_is_oldest_first_within_the_hours_asked(centre: Centre) -> None:
    seed_city(centre)
    history = centre.get(
        "sup-kdl", "/api/v1/centre/booths/BT-KDL-001/telemetry", kind="temperature_c", hours=1
    ).json()
    assert history["numeric"] is True
    assert [p["value"] for p in history["points"]] == [21.5, 23.0]
    states = centre.get("sup-kdl", "/api/v1/centre/booths/BT-KDL-001/telemetry", kind="door").json()
    assert states["numeric"] is False and states["points"][-1]["value"] == "open"
    bad = centre.get("sup-kdl", "/api/v1/centre/booths/BT-KDL-001/telemetry", kind="DROP TABLE")
    assert bad.status_code == 422


def test_the_evidence_crop_is_served_within_scope(centre: Centre) -> None:
    seed_city(centre)
    read = centre.get("admin", "/api/v1/centre/snapshot").json()["plate_reads"]
    kdl = next(r for r in read if r["booth"] == "BT-KDL-001")
    crop = centre.get("off-kdl-1", f"/api/v1/centre/plate-reads/{kdl['id']}/evidence").json()
    assert crop["jpeg_b64"] == "aGl0"
    assert (
        centre.get("off-qs-1", f"/api/v1/centre/plate-reads/{kdl['id']}/evidence").status_code
        == 403
    )


def test_the_screen_and_its_map_are_served_with_a_strict_policy(centre: Centre) -> None:
    page = centre.client.get("/centre/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'lang="zh-CN"' in page.text
    for name in ("centre.css", "centre.js", "api.js", "live.js", "map.js", "chart.js"):
        asset = centre.client.get(f"/centre/{name}")
        assert asset.status_code == 200, name
        # nothing loaded from elsewhere (the SVG namespace is a name, not a resource)
        assert not REMOTE.search(asset.text), name
    assert centre.client.get("/centre/../config.py").status_code == 404
    districts = centre.client.get("/centre/map.json").json()["districts"]
    assert len(districts) == 9
    assert {d["name"] for d in districts} >= {"昆都仑区", "青山区", "东河区", "九原区"}


def test_the_screen_needs_a_staff_login(centre: Centre) -> None:
    r = centre.client.get("/api/v1/centre/snapshot")
    assert r.status_code == 401
    booth = centre.client.get(
        "/api/v1/centre/snapshot",
        headers={"Authorization": f"Bearer {centre.booth_token('BT-KDL-001')}"},
    )
    assert booth.status_code == 403
