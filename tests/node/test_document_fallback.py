"""The document camera on the booth node: the ID-card front read by OCR when the chip
cannot be read (then the same live-face check against the printed portrait), and the
health certificate read to pre-fill the form. Real OCR and real face models on the
simulator's rendered documents and packaged photos."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.kernel.clock import SystemClock
from gangting.node import document_reading
from gangting.node.adapters import sim_documents
from tests.desks.conftest import Api
from tests.identification.documents.render import id_number
from tests.node.conftest import Node

pytestmark = pytest.mark.skipif(
    not sim_documents.fonts_available(), reason="fonts-noto-cjk is needed to render documents"
)

SIM = "/kiosk/api/sim"


def _begin(node: Node, id_number: str, *, chip_readable: bool, tray: str | None = None) -> None:
    """A session opened with the card inserted (chip readable or not), ``tray`` on the desk."""
    assert node.client.post("/kiosk/api/session").status_code == 200
    r = node.client.post(
        f"{SIM}/id-card", json={"id_number": id_number, "chip_readable": chip_readable}
    )
    assert r.status_code == 200, r.text
    if tray is not None:
        _tray(node, tray)


def _tray(node: Node, tray: str) -> None:
    r = node.client.post(f"{SIM}/document", json={"tray": tray})
    assert r.status_code == 200, r.text


def test_an_unreadable_chip_falls_back_to_the_card_front_and_the_printed_portrait(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    c = node.client
    _begin(node, world["driver"], chip_readable=False)
    start = c.post("/kiosk/api/identify/start")
    assert start.status_code == 409
    assert start.json()["error"] == "kiosk.no_card"
    assert start.json()["data"]["document_fallback"] is True

    _tray(node, "id_card")
    read = c.post("/kiosk/api/identify/document")
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["source"] == "ocr"
    assert body["card"]["name"] == "演示群众"
    assert body["card"]["id_number_masked"] == world["driver"][:6] + "*" * 8 + world["driver"][-4:]
    assert [s["step"] for s in body["steps"]] == ["look", "turn"]

    # the kiosk then runs its usual check: start (the card read by OCR), look, turn
    again = c.post("/kiosk/api/identify/start")
    assert again.status_code == 200, again.text
    assert again.json()["attempt"] == 1
    assert c.post("/kiosk/api/identify/look").status_code == 200
    # the live face of the same simulated person matches the portrait cut from the card
    r = c.post("/kiosk/api/identify")
    assert r.status_code == 200, r.text
    assert r.json()["face_check"]["outcome"] == "matched"
    assert c.get("/kiosk/api/overview").status_code == 200
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "identity.verified")
        ).scalar_one()
        assert entry.data["card_source"] == "ocr"


def test_the_printed_portrait_does_not_match_someone_else(
    node: Node, world: dict[str, Any]
) -> None:
    c = node.client
    _begin(node, world["driver"], chip_readable=False, tray="id_card")
    assert c.post(f"{SIM}/face", json={"scene": "impostor"}).status_code == 200
    assert c.post("/kiosk/api/identify/document").status_code == 200
    r = c.post("/kiosk/api/identify")
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "kiosk.face_mismatch"


def test_a_card_with_a_wrong_check_character_is_refused_with_reasons(
    node: Node, world: dict[str, Any]
) -> None:
    c = node.client
    _begin(node, world["driver"], chip_readable=False, tray="id_card_tampered")
    r = c.post("/kiosk/api/identify/document")
    assert r.status_code == 409, r.text
    err = r.json()
    assert err["error"] == "kiosk.document_refused"
    assert "人工窗口" in err["message"]
    assert [x["code"] for x in err["data"]["reasons"]] == ["documents.id_number_invalid"]
    # nothing was opened: identify reads the (unreadable) chip again and says so
    assert c.post("/kiosk/api/identify").json()["error"] == "kiosk.no_card"


def test_the_health_certificate_prefills_the_form_and_a_failed_one_is_refused(
    node: Node, world: dict[str, Any]
) -> None:
    c = node.client
    _begin(node, world["driver"], chip_readable=True, tray="health_certificate")
    r = c.post("/kiosk/api/documents/health-certificate/read")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["institution"] == "包头市中心医院"
    assert body["conclusion"] == "合格"
    assert body["issued_on"] == (SystemClock().today() - timedelta(days=20)).isoformat()
    assert body["certificate_no"].startswith("150200")

    _tray(node, "health_certificate_failed")
    r = c.post("/kiosk/api/documents/health-certificate/read")
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "kiosk.document_refused"
    assert "不合格" in r.json()["message"]


def test_a_card_lying_turned_is_found_squared_and_its_portrait_cut_from_the_photo_box() -> None:
    front = sim_documents.CardFront(
        "巴特尔", "男", "蒙古", date(1979, 4, 3), "内蒙古包头市昆都仑区钢铁大街57号",
        id_number("150203", date(1979, 4, 3), 217),
    )  # fmt: skip
    card = sim_documents.render_id_card(front)
    shot = sim_documents.on_desk(card, fill=0.6)
    h, w = shot.shape[:2]
    turned = cv2.warpAffine(
        shot, cv2.getRotationMatrix2D((w / 2, h / 2), 7.0, 1.0), (w, h),
        borderValue=(103, 95, 95),
    )  # fmt: skip
    found = document_reading.find_card(turned)
    assert found.shape == (sim_documents.CARD_H, sim_documents.CARD_W, 3)
    # the squared card lines up with the rendered one (a few pixels at most)
    assert float(np.mean(np.abs(found.astype(int) - card.astype(int)))) < 12
    read = document_reading.read_card_front(turned, on=date(2026, 11, 26))
    assert read.card.id_number == front.id_number and read.card.name == "巴特尔"
    # the crop holds the whole photo box of the card front (right third, upper 3/4)
    portrait = cv2.imdecode(np.frombuffer(read.card.photo, np.uint8), cv2.IMREAD_COLOR)
    x, y, pw, ph = sim_documents.PORTRAIT_BOX
    x0, y0 = round(sim_documents.CARD_W * 2 / 3), 0
    assert portrait.shape[1] >= x + pw - x0 and portrait.shape[0] >= y + ph - y0
    assert x >= x0 and x + pw <= sim_documents.CARD_W and y + ph <= 0.75 * sim_documents.CARD_H
