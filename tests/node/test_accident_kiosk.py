"""事故快处 through the booth node (real centre app behind the node's link): the second
party's identity check in the same kiosk session, an uploaded photo kept by its SHA-256, the
agreement confirmed with both tokens the node holds (never shown to the browser), a lost
answer retried with the node's step key (one agreement), and the receipt printed."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from gangting.accidents.models import AccidentAgreement, AccidentDelivery
from tests import builders
from tests.desks.conftest import Api
from tests.node.conftest import Node, count


def _parties(api: Api) -> tuple[str, str]:
    with api.ctx.uow() as uow:
        one = builders.citizen(uow, birth=date(1981, 1, 1), expires_on=date(2031, 1, 1))
        two = builders.citizen(uow, birth=date(1991, 1, 1), expires_on=date(2031, 1, 1))
        builders.vehicle(uow, one, "蒙BN0001", inspection_valid_until=date(2027, 9, 1))
        builders.vehicle(uow, two, "蒙BN0002", inspection_valid_until=date(2027, 9, 1))
        return one.id_number, two.id_number


def _open(node: Node) -> Any:
    return node.client.post(
        "/kiosk/api/accident",
        json={
            "occurred_at": "2026-11-26T09:40:00+08:00",
            "place": "昆都仑区钢铁大街与友谊大街交叉口",
            "weather": "sunny",
            "form": "side",
            "answers": builders.accident_answers(),
            "parties": [
                {
                    "plate_no": "蒙BN0001",
                    "insurer": "人保财险",
                    "policy_no": "P-1",
                    "collision_part": "right",
                },
                {
                    "plate_no": "蒙BN0002",
                    "insurer": "平安产险",
                    "policy_no": "P-2",
                    "collision_part": "left",
                },
            ],
        },
    )


def test_two_parties_settle_through_the_node_and_a_lost_answer_issues_one_agreement(
    api: Api, node: Node, world: dict[str, Any]
) -> None:
    first, second = _parties(api)
    node.begin(first)
    assert node.client.get("/kiosk/api/accident/cases").json()["questions"]
    early = _open(node)
    assert early.status_code == 409
    assert early.json()["error"] == "kiosk.accident_parties_required"
    assert node.client.post("/kiosk/api/accident/second/begin").status_code == 200
    card = node.client.post("/kiosk/api/sim/id-card", json={"id_number": second})
    assert card.status_code == 200, card.text
    assert node.client.post("/kiosk/api/identify").status_code == 200
    done = node.client.post("/kiosk/api/accident/second/done")
    assert done.status_code == 200, done.text
    parties = done.json()["parties"]
    assert [p["seq"] for p in parties] == [1, 2]
    assert "token" not in done.text and "identity_token" not in done.text
    opened = _open(node)
    assert opened.status_code == 201, opened.text
    no = opened.json()["settlement_no"]
    image = b"\xff\xd8\xff\xe0 an accident scene"
    photo = node.client.post(
        f"/kiosk/api/accident/{no}/photos",
        json={"source": "upload", "data_base64": base64.b64encode(image).decode()},
    )
    assert photo.status_code == 200, photo.text
    digest = hashlib.sha256(image).hexdigest()
    assert [p["sha256"] for p in photo.json()["photos"]] == [digest]
    assert (Path(node.settings.var_dir) / "evidence" / "accidents" / f"{digest}.jpg").exists()
    # the centre issues the agreement but its answer is lost: the retry uses the same key
    node.link.lose_answers = True
    lost = node.client.post(
        f"/kiosk/api/accident/{no}/agreement", json={"split": ["equal", "equal"]}
    )
    assert lost.status_code == 503
    node.link.lose_answers = False
    agreed = node.client.post(
        f"/kiosk/api/accident/{no}/agreement", json={"split": ["equal", "equal"]}
    )
    assert agreed.status_code == 200, agreed.text
    assert agreed.headers.get("Idempotent-Replayed") == "true"
    assert count(api, AccidentAgreement) == 1 and count(api, AccidentDelivery) == 4
    printed = node.client.post("/kiosk/api/print")
    assert printed.status_code == 200, printed.text
    text = Path(printed.json()["files"][0]).read_text(encoding="utf-8")
    assert "事故快处" in text and agreed.json()["receipt_no"] in text
