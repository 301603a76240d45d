"""A refused identity check leaves an audit entry (``identity.check_refused``), written in a
unit of work of its own (the check's own rolls back); the booth's answer is unchanged. The
entry holds codes and the booth's face numbers, never the ID number, a name or an image."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.citizens.models import Citizen
from tests import builders
from tests.desks.conftest import Api, Booth
from tests.identity.test_identity_face_evidence import check, face, tokens


def refused(api: Api) -> list[AuditEntry]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "identity.check_refused")
            ).scalars()
        )


def no_personal_data(entry: AuditEntry, id_number: str) -> None:
    text = json.dumps(entry.data, ensure_ascii=False) + (entry.reason or "") + entry.subject_id
    assert id_number not in text and id_number[:14] not in text


def test_a_refused_face_check_is_audited_with_its_numbers_against_the_citizen(
    api: Api, world: dict[str, Any]
) -> None:
    b = Booth(api, api.login_booth())
    r = check(
        b,
        world["driver"],
        face=face(
            matched=False,
            distance=0.8,
            liveness={"passed": False, "max_abs_yaw": 2.0, "turn_deg": 25.0},
        ),
    )
    assert r.status_code == 403
    assert r.json()["error"] == "identity.face_mismatch"  # the answer is as before
    assert tokens(api) == []
    (entry,) = refused(api)
    assert entry.actor_kind == "booth" and entry.actor_id == str(entry.booth_id)
    assert entry.subject_kind == "citizen" and entry.subject_id == str(world["driver_id"])
    assert entry.data == {
        "error": "identity.face_mismatch",
        "reasons": ["identity.face_mismatch", "identity.liveness_failed"],
        "card_source": "chip",
        "face_distance": 0.8,
        "face_threshold": 0.5,
        "face_matched": False,
        "liveness_passed": False,
        "max_abs_yaw": 2.0,
        "turn_deg": 25.0,
        "max_threshold": 0.6,
    }
    no_personal_data(entry, world["driver"])


def test_a_score_only_check_is_refused_and_audited(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    r = check(b, world["driver"], face_score=0.5, card_source="ocr")
    assert r.status_code == 422 and r.json()["error"] == "identity.score_only_refused"
    (entry,) = refused(api)
    assert entry.subject_kind == "citizen" and entry.subject_id == str(world["driver_id"])
    assert entry.data == {
        "error": "identity.score_only_refused",
        "reasons": ["identity.score_only_refused"],
        "card_source": "ocr",
    }
    no_personal_data(entry, world["driver"])


@pytest.mark.parametrize(
    ("number", "status", "error", "problem"),
    [
        ("11010519491231002", 422, "citizens.invalid_id_number", "length"),
        ("11010519491231002Y", 422, "citizens.invalid_id_number", "format"),
        ("110105194912310021", 422, "citizens.invalid_id_number", "check"),
    ],
)
def test_a_refused_card_number_is_audited_against_the_booth(
    api: Api, world: dict[str, Any], number: str, status: int, error: str, problem: str
) -> None:
    b = Booth(api, api.login_booth())
    r = check(b, number, face=face())
    assert r.status_code == status, r.text
    assert r.json()["error"] == error
    (entry,) = refused(api)
    assert entry.subject_kind == "booth" and entry.subject_id == "BT-KDL-001"
    assert entry.data["error"] == error
    assert entry.data["id_number_problem"] == problem
    no_personal_data(entry, number)


def test_an_unknown_citizen_is_audited_against_the_booth(api: Api, world: dict[str, Any]) -> None:
    from datetime import date

    stranger = builders.id_number(date(1990, 5, 17))
    with api.ctx.uow() as uow:
        assert (
            uow.session.execute(
                select(Citizen).where(Citizen.id_number == stranger)
            ).scalar_one_or_none()
            is None
        )
    b = Booth(api, api.login_booth())
    r = check(b, stranger, face=face())
    assert r.status_code == 404 and r.json()["error"] == "identity.citizen_not_found"
    (entry,) = refused(api)
    assert entry.subject_kind == "booth"
    assert entry.data["error"] == "identity.citizen_not_found"
    assert "id_number_problem" not in entry.data
    no_personal_data(entry, stranger)


def test_a_granted_check_leaves_no_refusal(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    assert check(b, world["driver"], face=face()).status_code == 200
    assert refused(api) == []


def test_a_staff_caller_is_refused_by_role_and_made_no_identity_check(
    api: Api, world: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {api.login_staff('off-kdl')}"}
    r = api.client.post(
        "/api/v1/identity/check",
        json={"id_number": world["driver"], "face": face()},
        headers=headers,
    )
    assert r.status_code == 403 and r.json()["error"] == "auth.role_required"
    assert refused(api) == []
