"""Plate reads at the centre: a booth reports what its cameras read (booth only, one row
per event id, audited, linked to the registered vehicle); staff read the latest ones of
their own booths with the evidence crop."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import cv2
import numpy as np
from sqlalchemy import func, select

from gangting.audit.models import AuditEntry
from gangting.plate_reads.models import PlateReadRecord
from tests import builders
from tests.approvals.helpers import add_supervisor, approved
from tests.desks.conftest import Api

PATH = "/api/v1/booth/plate-reads"


def _count(api: Api, *where: Any) -> int:
    with api.ctx.uow() as uow:
        query = select(func.count()).select_from(PlateReadRecord).where(*where)
        return int(uow.session.execute(query).scalar_one())


def _evidence() -> str:
    crop = np.full((60, 200, 3), (170, 60, 0), np.uint8)
    ok, data = cv2.imencode(".jpg", crop)
    assert ok
    return base64.b64encode(bytes(data)).decode()


def _event(api: Api, plate: str = "蒙B12345", **change: Any) -> dict[str, Any]:
    evidence = {
        "box": [300.0, 600.0, 440.0, 645.0],
        "frame_size": [720, 1160],
        "evidence_jpeg_b64": _evidence(),
    }
    seen = api.clock.now() - timedelta(seconds=5)
    body = builders.plate_read_body("BT-KDL-001", plate, seen, **evidence)
    body.update(change)
    return body


def _post(api: Api, token: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key or uuid.uuid4().hex}
    return api.client.post(PATH, json=body, headers=headers)


def _get(api: Api, token: str, **params: Any) -> Any:
    return api.client.get(
        "/api/v1/plate-reads", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_read_is_stored_once_linked_to_the_vehicle_and_audited(
    api: Api, world: dict[str, Any]
) -> None:
    token = api.login_booth()
    body = _event(api)
    first = _post(api, token, body, key="pr-1")
    assert first.status_code == 201, first.text
    answer = first.json()
    assert answer["plate_no"] == "蒙B12345" and answer["duplicate"] is False
    with api.ctx.uow() as uow:
        row = uow.session.execute(select(PlateReadRecord)).scalar_one()
        assert row.vehicle_id is not None and answer["vehicle_id"] == str(row.vehicle_id)
        assert row.payload_version == "1.0" and row.frames == 5
        assert row.evidence_jpeg_b64 == body["evidence_jpeg_b64"]
        audits = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "plate_read.recorded")
        ).scalars()
        assert [a.subject_id for a in audits] == [str(row.id)]

    again = _post(api, token, body, key="pr-1")  # the same key: the stored answer
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == answer

    replayed = _post(api, token, body, key="pr-2")  # the same event under a new key
    assert replayed.status_code == 201
    assert replayed.json()["duplicate"] is True
    assert replayed.json()["plate_read_id"] == answer["plate_read_id"]
    assert _count(api) == 1


def test_an_unregistered_plate_is_stored_without_a_vehicle(api: Api, world: dict[str, Any]) -> None:
    r = _post(api, api.login_booth(), _event(api, plate="皖AWT614"))
    assert r.status_code == 201, r.text
    assert r.json()["vehicle_id"] is None
    assert _count(api, PlateReadRecord.plate_no == "皖AWT614") == 1


def test_only_the_booth_itself_may_report(api: Api, world: dict[str, Any]) -> None:
    body = _event(api)
    staff = _post(api, api.login_staff("admin"), body)
    assert staff.status_code == 403 and staff.json()["error"] == "auth.role_required"
    nobody = api.client.post(PATH, json=body, headers={"Idempotency-Key": "k"})
    assert nobody.status_code == 401
    other = _post(api, api.login_booth("BT-QS-001"), body)  # says it is BT-KDL-001
    assert other.status_code == 403 and other.json()["error"] == "booths.mismatch"
    assert _count(api) == 0


def test_another_booth_cannot_take_an_event_id(api: Api, world: dict[str, Any]) -> None:
    body = _event(api)
    assert _post(api, api.login_booth(), body).status_code == 201
    theirs = _post(api, api.login_booth("BT-QS-001"), {**body, "booth": "BT-QS-001"})
    assert theirs.status_code == 409
    assert theirs.json()["error"] == "plate_reads.event_id_taken"
    assert _count(api) == 1


def test_malformed_reads_are_refused_not_stored(api: Api, world: dict[str, Any]) -> None:
    token = api.login_booth()
    bad_plate = _post(api, token, _event(api, plate="蒙I12345"))
    assert bad_plate.status_code == 422
    assert bad_plate.json()["error"] == "vehicles.invalid_plate"
    assert _post(api, token, _event(api, v="2.0")).status_code == 422
    assert _post(api, token, _event(api, frames=0)).status_code == 422
    no_key = api.client.post(PATH, json=_event(api), headers={"Authorization": f"Bearer {token}"})
    assert no_key.status_code == 422
    assert _count(api) == 0


def test_staff_see_the_latest_reads_of_their_own_booths(api: Api, world: dict[str, Any]) -> None:
    kdl, qs = api.login_booth(), api.login_booth("BT-QS-001")
    now = api.clock.now()
    for minutes, plate in ((30, "蒙B12345"), (20, "蒙BA7K29"), (10, "蒙BF23680")):
        seen = now - timedelta(minutes=minutes)
        body = _event(
            api,
            plate=plate,
            first_seen_at=seen.isoformat(),
            last_seen_at=(seen + timedelta(seconds=3)).isoformat(),
        )
        assert _post(api, kdl, body).status_code == 201
    assert _post(api, qs, _event(api, plate="皖A931Y9", booth="BT-QS-001")).status_code == 201

    officer = api.login_staff("off-kdl")
    reads = _get(api, officer).json()["plate_reads"]
    assert [r["plate_no"] for r in reads] == ["蒙BF23680", "蒙BA7K29", "蒙B12345"]
    newest = reads[0]
    assert newest["booth"] == "BT-KDL-001" and newest["camera"] == "lane-1"
    assert base64.b64decode(newest["evidence_jpeg_b64"])[:2] == b"\xff\xd8"  # a JPEG
    assert reads[2]["vehicle_id"] is not None

    since = (now - timedelta(minutes=25)).isoformat()
    recent = _get(api, officer, since=since).json()["plate_reads"]
    assert [r["plate_no"] for r in recent] == ["蒙BF23680", "蒙BA7K29"]
    assert len(_get(api, officer, limit=1).json()["plate_reads"]) == 1

    other_brigade = _get(api, api.login_staff("off-qs")).json()["plate_reads"]
    assert [r["plate_no"] for r in other_brigade] == ["皖A931Y9"]
    admin = _get(api, api.login_staff("admin"), booth="BT-QS-001").json()["plate_reads"]
    assert [r["booth"] for r in admin] == ["BT-QS-001"]


def test_plate_reads_are_for_staff_only(api: Api, world: dict[str, Any]) -> None:
    assert _get(api, api.login_booth()).status_code == 403
    assert api.client.get("/api/v1/plate-reads").status_code == 401
    naive = _get(api, api.login_staff("off-kdl"), since="2026-11-26T08:00:00")
    assert naive.status_code == 422


def test_a_read_of_a_listed_plate_raises_one_hit_and_its_alert(
    api: Api, world: dict[str, Any]
) -> None:
    sup = api.login_staff("sup-kdl")
    listed = api.client.post(
        "/api/v1/staff/watch-list",
        json={
            "plate": "蒙B·7Z777",
            "reason": "涉嫌肇事逃逸，请注意拦截",
            "owner": "off-kdl",
            "expires_at": (api.clock.now() + timedelta(days=30)).isoformat(),
        },
        headers={"Authorization": f"Bearer {sup}", "Idempotency-Key": "wl-1"},
    )
    add_supervisor(api, "sup-kdl-2")
    approved(api, listed, "sup-kdl-2")  # two keys: the second supervisor makes the entry
    booth = api.login_booth()
    # the reader saw 2 where the plate has Z: a confusable, so still a hit (lower score)
    body = _event(api, "蒙B72777", char_confidences=[0.99, 0.99, 0.99, 0.6, 0.99, 0.99, 0.99])
    assert _post(api, booth, body).status_code == 201
    # the same vehicle pass reported by the second camera within the window: no second hit
    again = _event(api, "蒙B7Z777", camera="lane-2")
    assert _post(api, booth, again).status_code == 201
    # an unlisted plate: nothing
    assert _post(api, booth, _event(api, "蒙B12345")).status_code == 201
    officer = api.login_staff("off-kdl")
    auth = {"Authorization": f"Bearer {officer}"}
    hits = api.client.get("/api/v1/staff/watch-list-hits", headers=auth)
    assert hits.status_code == 200, hits.text
    items = hits.json()["hits"]
    assert len(items) == 1
    assert items[0]["state"] == "pending" and 0.5 <= items[0]["score"] < 1.0
    alerts = api.client.get("/api/v1/staff/alerts", params={"kind": "hit"}, headers=auth)
    assert alerts.status_code == 200, alerts.text
    found = alerts.json()["alerts"]
    assert len(found) == 1 and found[0]["state"] == "open"
