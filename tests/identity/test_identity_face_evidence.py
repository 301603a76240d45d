"""The identity check on a booth's live-face evidence: the centre re-decides from the
distance, the booth's threshold and the liveness outcome, and records them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.identity.models import IdentityToken
from tests.desks.conftest import Api, Booth
from tests.identity.evidence import signed_body, take_nonce


def face(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "matched": True,
        "distance": 0.4213,
        "threshold": 0.5,
        "liveness": {"passed": True, "max_abs_yaw": 31.5, "turn_deg": 25.0, "frames": 11},
        "engine": "dlib_resnet_v1",
    }
    body.update(over)
    return body


def check(b: Booth, id_number: str, **body: Any) -> Any:
    """The identity check with ``body``; a ``face`` alone is signed as a node would."""
    if "face" in body and not {"evidence", "face_score"} & body.keys():
        at = b.api.clock.now()
        body = signed_body(b.code, id_number, take_nonce(b), at, **body)
    r = b.post("/api/v1/identity/check", {"id_number": id_number, **body})
    if r.status_code == 200:
        b.identity = r.json()["identity_token"]
    return r


def tokens(api: Api) -> list[IdentityToken]:
    with api.ctx.uow() as uow:
        return list(uow.session.execute(select(IdentityToken)).scalars())


def test_a_live_matching_face_gets_a_token_and_the_evidence_is_recorded(
    api: Api, world: dict[str, Any]
) -> None:
    b = Booth(api, api.login_booth())
    r = check(b, world["driver"], face=face())
    assert r.status_code == 200, r.text
    assert b.get("/api/v1/me/licence").status_code == 200
    (token,) = tokens(api)
    assert token.face_score is None
    assert token.face_distance == pytest.approx(0.4213)
    assert token.face_threshold == 0.5
    assert token.liveness_passed is True
    with api.ctx.uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "identity.verified")
        ).scalar_one()
    assert entry.data == {
        "face_distance": 0.4213,
        "face_threshold": 0.5,
        "liveness_passed": True,
        "max_abs_yaw": 31.5,
        "turn_deg": 25.0,
        "card_source": "chip",  # the chip reader; "ocr" when the card front was read
    }


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"matched": False, "distance": 0.8}, "identity.face_mismatch"),
        ({"distance": 0.55}, "identity.face_mismatch"),  # says matched, numbers say no
        (
            {"liveness": {"passed": False, "max_abs_yaw": 2.0, "turn_deg": 25.0}},
            "identity.liveness_failed",
        ),
        ({"threshold": 0.7, "distance": 0.65}, "identity.threshold_too_loose"),
    ],
)
def test_the_centre_refuses_what_the_evidence_does_not_support(
    api: Api, world: dict[str, Any], over: dict[str, Any], code: str
) -> None:
    b = Booth(api, api.login_booth())
    r = check(b, world["driver"], face=face(**over))
    assert r.status_code == 403, r.text
    assert r.json()["error"] == code
    assert r.json()["data"]["reasons"][0]["code"] == code
    assert b.identity is None and tokens(api) == []


def test_the_maximum_booth_threshold_is_the_centres_setting(
    api: Api, world: dict[str, Any]
) -> None:
    api.ctx.settings.face_distance_threshold_max = 0.45
    b = Booth(api, api.login_booth())
    r = check(b, world["driver"], face=face())
    assert r.status_code == 403
    assert r.json()["error"] == "identity.threshold_too_loose"
    assert r.json()["message"] == "岗亭人脸比对阈值宽于中心规定，不予核验"


@pytest.mark.parametrize(
    "body",
    [
        {},  # neither
        {"face_score": 0.93, "face": face()},  # a score is refused in any company
        {"face": face(), "evidence": None},  # unsigned
        {"face": {**face(), "image": "..."}},  # no image or anything else unknown
        {"face": face(distance=-0.1)},
    ],
)
def test_signed_evidence_and_only_numbers(
    api: Api, world: dict[str, Any], body: dict[str, Any]
) -> None:
    b = Booth(api, api.login_booth())
    r = check(b, world["driver"], **body)
    assert r.status_code == 422, r.text


def test_a_bare_face_score_is_refused_not_turned_into_a_name(
    api: Api, world: dict[str, Any]
) -> None:
    """Probe (issue 12): ``{"id_number": …, "face_score": 0.81}`` gave a token and the
    citizen's name, without liveness; now a 422 with a stable code, no token, no name."""
    b = Booth(api, api.login_booth())
    r = check(b, world["driver"], face_score=0.81)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "identity.score_only_refused"
    assert "签名" in r.json()["message"]
    assert "citizen" not in r.json() and b.identity is None and tokens(api) == []
