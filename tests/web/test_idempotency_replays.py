"""Idempotent replays answer only their owner (issue 12 §2; docs/decisions/0017): the same
booth and, for a citizen's transaction, the same verified citizen. A replay without the
identity token, with another citizen's, or from another booth sees nothing of the stored
answer; the same booth and citizen still get the very same answer, with one effect."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from gangting.fines.models import Payment, PenaltyDecision
from gangting.kernel.idempotency import IdempotencyRecord
from gangting.points.models import PointEntry
from gangting.staff.models import OrgUnit
from tests import builders
from tests.desks.conftest import Api, Booth, api, booth, world

__all__ = ["api", "booth", "world"]

PROCESS = "/api/v1/violations/process"
PAY = "/api/v1/payments"
REBUILD = "/api/v1/staff/watch-list/rebuild"


def _count(api: Api, model: Any, *where: Any) -> int:
    with api.ctx.uow() as uow:
        return int(
            uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        )


def _leaves(value: Any) -> set[str]:
    """Every field name and every telling value of an answer, as text: strings of four
    characters or more and numbers of three digits or more (amounts, points, numbers)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found.add(str(k))
            found |= _leaves(v)
    elif isinstance(value, list):
        for v in value:
            found |= _leaves(v)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int) and abs(value) >= 100:
        found.add(str(value))
    elif isinstance(value, str) and len(value) >= 4:
        found.add(value)
    return found


def assert_reveals_nothing(first: Any, refusal: Any) -> None:
    """No field name or value of the first answer appears anywhere in the refusal."""
    text = json.dumps(refusal.json(), ensure_ascii=False)
    shown = {leaf for leaf in _leaves(first.json()) if leaf in text}
    # The refusal's own words (error, message, data) are not the first answer's.
    shown -= {"error", "message", "data"}
    assert shown == set(), f"the refusal shows {sorted(shown)} of the first answer: {text}"
    assert refusal.headers.get("Idempotent-Replayed") is None


def _other_citizen(api: Api, booth_code: str = "BT-KDL-001") -> Booth:
    """A second citizen, verified at ``booth_code`` (a booth session of their own)."""
    with api.ctx.uow() as uow:
        other = builders.citizen(uow, birth=date(1990, 2, 3), name="李桂兰")
        id_number = other.id_number
    b = Booth(api, api.login_booth(booth_code))
    r = b.verify(id_number)
    assert r.status_code == 200, r.text
    return b


def _stranger_without_identity(booth: Booth) -> Booth:
    """The same booth, its token, but no identity token: no citizen at the screen."""
    return Booth(booth.api, booth.token)


def _decide(booth: Booth, world: dict[str, Any]) -> str:
    decided = booth.post(PROCESS, {"violation_refs": [world["v1"]]})
    assert decided.status_code == 200, decided.text
    return str(decided.json()["decisions"][0]["decision_no"])


def _paid(booth: Booth, world: dict[str, Any], key: str) -> tuple[dict[str, Any], Any]:
    body = {"decision_nos": [_decide(booth, world)], "payer_code": "QR-OK-1"}
    first = booth.post(PAY, body, key=key)
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "succeeded" and first.json()["receipt_no"]
    return body, first


# -- the probes -------------------------------------------------------------------------


def test_a_payment_replay_without_the_identity_token_shows_nothing_of_the_payment(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    body, first = _paid(booth, world, "pay-1")
    r = _stranger_without_identity(booth).post(PAY, body, key="pay-1")
    assert r.status_code == 401
    assert r.json()["error"] == "identity.required"
    assert "身份证" in r.json()["message"]
    assert_reveals_nothing(first, r)
    assert _count(api, Payment) == 1


def test_a_payment_replay_with_another_citizens_token_is_refused_and_shows_nothing(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    body, first = _paid(booth, world, "pay-2")
    other = _other_citizen(api)
    r = other.post(PAY, body, key="pay-2")
    assert r.status_code == 409
    assert r.json()["error"] == "idempotency.key_owned_by_another"
    assert "幂等键" in r.json()["message"]
    assert r.json()["data"] == {"idempotency_key": "pay-2"}
    assert_reveals_nothing(first, r)
    assert _count(api, Payment) == 1 and _count(api, PenaltyDecision) == 1


def test_another_citizen_cannot_test_guesses_of_the_first_request(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """Whether the stranger's request matches the stored one is not told: a matching body
    and a different one get the same refusal (else 409 vs 422 would confirm a guess of the
    first citizen's decision numbers)."""
    body, first = _paid(booth, world, "pay-3")
    other = _other_citizen(api)
    same = other.post(PAY, body, key="pay-3")
    different = other.post(PAY, {"decision_nos": ["JD-NONE"], "payer_code": "X"}, key="pay-3")
    assert same.status_code == different.status_code == 409
    assert same.json() == different.json()
    assert_reveals_nothing(first, different)


def test_a_processing_replay_without_or_with_another_identity_shows_nothing(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    body = {"violation_refs": [world["v1"], world["v2"]]}
    first = booth.post(PROCESS, body, key="proc-1")
    assert first.status_code == 200, first.text
    anonymous = _stranger_without_identity(booth).post(PROCESS, body, key="proc-1")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "identity.required"
    assert_reveals_nothing(first, anonymous)
    stranger = _other_citizen(api).post(PROCESS, body, key="proc-1")
    assert stranger.status_code == 409
    assert stranger.json()["error"] == "idempotency.key_owned_by_another"
    assert_reveals_nothing(first, stranger)
    assert _count(api, PenaltyDecision) == 2 and _count(api, PointEntry) == 2


def test_a_refusal_stored_under_a_key_is_not_shown_to_another_citizen(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """A business refusal is an answer too (with the citizen's receipt number)."""
    body = {"violation_refs": [world["v1"]]}
    assert booth.post(PROCESS, body).status_code == 200
    refused = booth.post(PROCESS, body, key="proc-2")
    assert refused.status_code == 409
    assert refused.json()["error"] == "violations.already_processed"
    assert refused.json()["data"]["receipt_no"]
    stranger = _other_citizen(api).post(PROCESS, body, key="proc-2")
    assert stranger.json()["error"] == "idempotency.key_owned_by_another"
    assert_reveals_nothing(refused, stranger)
    again = booth.post(PROCESS, body, key="proc-2")
    assert again.json() == refused.json()
    assert again.headers.get("Idempotent-Replayed") == "true"


# -- the owner still gets the same answer -------------------------------------------------


def test_the_same_booth_and_citizen_get_the_same_payment_once_even_after_verifying_again(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """The answer belongs to the citizen, not to the identity token: a retry after the
    token expired and the citizen verified again is answered."""
    body, first = _paid(booth, world, "pay-4")
    again = Booth(api, booth.token)
    assert again.verify(world["driver"]).status_code == 200
    assert again.identity != booth.identity
    r = again.post(PAY, body, key="pay-4")
    assert r.status_code == 201
    # The stored payment, settled again with the platform (desks.payment): the same answer.
    assert r.json() == first.json()
    assert _count(api, Payment) == 1
    assert _count(api, Payment, Payment.state == "succeeded") == 1
    with api.ctx.uow() as uow:
        stored = uow.session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.key == "pay-4")
        ).scalar_one()
        assert stored.citizen_id == world["driver_id"]
        assert stored.scope.startswith("booth:")


def test_two_booths_with_the_same_key_string_never_meet(
    api: Api, booth: Booth, world: dict[str, Any]
) -> None:
    """Each booth has its own key space: the second booth's request is its own, answered
    afresh, never the first booth's answer nor a refusal naming it."""
    body = {"violation_refs": [world["v1"]]}
    first = booth.post(PROCESS, body, key="shared-key")
    assert first.status_code == 200
    elsewhere = Booth(api, api.login_booth("BT-QS-001"))
    assert elsewhere.verify(world["driver"]).status_code == 200
    r = elsewhere.post(PROCESS, body, key="shared-key")
    assert r.headers.get("Idempotent-Replayed") is None
    assert r.status_code == 409
    assert r.json()["error"] == "violations.already_processed"  # decided afresh, once
    assert r.json()["data"]["receipt_no"] != first.json()["receipt_no"]
    assert _count(api, PointEntry) == 1
    stranger = _other_citizen(api, "BT-QS-001")
    mine = stranger.post("/api/v1/help-calls", {"kind": "assistance"}, key="help-k")
    theirs = booth.post("/api/v1/help-calls", {"kind": "assistance"}, key="help-k")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["help_call_id"] != theirs.json()["help_call_id"]
    assert (mine.json()["booth"], theirs.json()["booth"]) == ("BT-QS-001", "BT-KDL-001")
    assert theirs.headers.get("Idempotent-Replayed") is None
    with api.ctx.uow() as uow:
        scopes = uow.session.execute(
            select(IdempotencyRecord.scope).where(IdempotencyRecord.key == "shared-key")
        ).scalars()
        assert len(set(scopes)) == 2


def test_a_staff_accounts_key_is_its_own(api: Api, world: dict[str, Any]) -> None:
    """Two administrators' equal keys are two requests; each replays only its own."""
    with api.ctx.uow() as uow:
        top = uow.session.execute(select(OrgUnit).where(OrgUnit.code == "BT")).scalar_one()
        builders.staff(uow, top, "admin-2", "admin")
    for name in ("admin", "admin-2"):
        token = api.login_staff(name)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "staff-k"}
        r = api.client.post(REBUILD, headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers.get("Idempotent-Replayed") is None
        again = api.client.post(REBUILD, headers=headers)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json() == r.json()
    with api.ctx.uow() as uow:
        stored = uow.session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.key == "staff-k")
        ).scalars()
        assert {(r.scope.split(":")[0], r.citizen_id) for r in stored} == {("staff", None)}
    assert _count(api, IdempotencyRecord, IdempotencyRecord.key == "staff-k") == 2


@pytest.mark.parametrize("path", [PROCESS, PAY])
def test_a_replay_with_an_unknown_identity_token_is_refused_as_any_request(
    api: Api, booth: Booth, world: dict[str, Any], path: str
) -> None:
    body, first = _paid(booth, world, "pay-5") if path == PAY else (None, None)
    if path == PROCESS:
        body = {"violation_refs": [world["v2"]]}
        first = booth.post(PROCESS, body, key="pay-5")
    forged = Booth(api, booth.token, identity="not-a-token")
    r = forged.post(path, body or {}, key="pay-5")
    assert r.status_code == 401 and r.json()["error"] == "identity.required"
    assert_reveals_nothing(first, r)
