"""Signed identity evidence (issue 12 §3, decision 0018): the centre issues a single-use
nonce to a booth; the booth node signs the card, the face numbers, the liveness outcome,
the time and the nonce with its own key; the centre verifies all of it before a token."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.booths.evidence_keys import register_evidence_key
from gangting.booths.models import Booth as BoothRow
from gangting.identity import service
from gangting.identity.models import IdentityNonce
from gangting.kernel.actor import SYSTEM
from gangting.kernel.errors import DomainError
from gangting.node.evidence_key import public_key
from tests.desks.conftest import Api, Booth
from tests.identity.evidence import FACE, booth_public_key, signed_body, take_nonce

CHECK = "/api/v1/identity/check"


def refusals(api: Api) -> list[AuditEntry]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == "identity.check_refused")
            ).scalars()
        )


def send(b: Booth, body: dict[str, Any]) -> Any:
    return b.post(CHECK, body)


def test_the_nonce_is_single_use_and_a_replay_is_refused(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    body = signed_body(b.code, world["driver"], take_nonce(b), api.clock.now())
    first = send(b, body)
    assert first.status_code == 200, first.text
    assert first.json()["citizen"]["name"]
    again = send(b, body)  # the very same signed evidence, replayed
    assert again.status_code == 403
    assert again.json()["error"] == "identity.nonce_invalid"
    assert "随机数" in again.json()["message"]
    assert [e.data["error"] for e in refusals(api)] == ["identity.nonce_invalid"]


def test_a_nonce_is_issued_with_a_short_configured_lifetime(
    api: Api, world: dict[str, Any]
) -> None:
    api.ctx.settings.identity_nonce_ttl_s = 60
    b = Booth(api, api.login_booth())
    r = b.post("/api/v1/booth/identity/nonce", {})
    assert r.status_code == 200, r.text
    assert r.json()["expires_at"] == (api.clock.now() + timedelta(seconds=60)).isoformat()
    nonce = r.json()["nonce"]
    api.clock.advance(timedelta(seconds=61))
    late = send(b, signed_body(b.code, world["driver"], nonce, api.clock.now()))
    assert late.status_code == 403 and late.json()["error"] == "identity.nonce_invalid"
    with api.ctx.uow() as uow:  # only its hash is kept
        hashes = list(uow.session.execute(select(IdentityNonce.nonce_hash)).scalars())
    assert nonce not in hashes and len(hashes) == 1


def test_a_nonce_is_bound_to_the_booth_it_was_issued_to(api: Api, world: dict[str, Any]) -> None:
    kdl = Booth(api, api.login_booth())
    qs = Booth(api, api.login_booth("BT-QS-001"))
    nonce = take_nonce(kdl)
    r = send(qs, signed_body(qs.code, world["driver"], nonce, api.clock.now()))
    assert r.status_code == 403 and r.json()["error"] == "identity.nonce_invalid"


def test_a_refused_check_spends_its_nonce(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    nonce = take_nonce(b)
    bad = {**FACE, "matched": False, "distance": 0.9}
    r = send(b, signed_body(b.code, world["driver"], nonce, api.clock.now(), face=bad))
    assert r.status_code == 403 and r.json()["error"] == "identity.face_mismatch"
    retry = send(b, signed_body(b.code, world["driver"], nonce, api.clock.now()))
    assert retry.status_code == 403 and retry.json()["error"] == "identity.nonce_invalid"


@pytest.mark.parametrize(
    "tamper",
    [
        {"face": {**FACE, "distance": 0.1}},  # a better distance than the one signed
        {"id_number": "TAMPER"},  # another citizen's card under this signature
        {"card_source": "ocr"},
    ],
)
def test_evidence_changed_after_signing_is_refused(
    api: Api, world: dict[str, Any], tamper: dict[str, Any]
) -> None:
    b = Booth(api, api.login_booth())
    body = signed_body(b.code, world["driver"], take_nonce(b), api.clock.now())
    if tamper.get("id_number") == "TAMPER":
        tamper = {"id_number": world["driver"][:-4] + "0000"}
    r = send(b, {**body, **tamper})
    assert r.status_code in (403, 422), r.text
    assert r.json()["error"] in ("identity.signature_invalid", "citizens.invalid_id_number")
    assert "identity_token" not in r.json()


def test_a_signature_by_another_key_is_refused_and_audited(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    stranger = Ed25519PrivateKey.generate()
    body = signed_body(b.code, world["driver"], take_nonce(b), api.clock.now(), key=stranger)
    r = send(b, body)
    assert r.status_code == 403 and r.json()["error"] == "identity.signature_invalid"
    (entry,) = refusals(api)
    assert entry.data["error"] == "identity.signature_invalid"
    assert entry.subject_id == str(world["driver_id"])


def test_evidence_signed_as_another_booth_is_refused(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    body = signed_body("BT-QS-001", world["driver"], take_nonce(b), api.clock.now())
    r = send(b, body)
    assert r.status_code == 403 and r.json()["error"] == "identity.signature_invalid"


def test_a_booth_without_a_registered_key_cannot_verify(api: Api, world: dict[str, Any]) -> None:
    with api.ctx.uow() as uow:
        row = uow.session.execute(
            select(BoothRow).where(BoothRow.code == "BT-KDL-001")
        ).scalar_one()
        row.evidence_public_key = None
    b = Booth(api, api.login_booth())
    r = b.verify(world["driver"])
    assert r.status_code == 403 and r.json()["error"] == "identity.booth_key_missing"
    assert "管理员登记" in r.json()["message"]


@pytest.mark.parametrize("skew_s", [-121, 121])
def test_the_signing_time_must_be_near_the_centres(
    api: Api, world: dict[str, Any], skew_s: int
) -> None:
    b = Booth(api, api.login_booth())
    at = api.clock.now() + timedelta(seconds=skew_s)
    r = send(b, signed_body(b.code, world["driver"], take_nonce(b), at))
    assert r.status_code == 403 and r.json()["error"] == "identity.evidence_time"
    assert r.json()["data"]["window_s"] == 120


def test_a_looser_threshold_is_refused_even_when_signed(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    loose = {**FACE, "threshold": 0.7, "distance": 0.65}
    r = send(b, signed_body(b.code, world["driver"], take_nonce(b), api.clock.now(), face=loose))
    assert r.status_code == 403 and r.json()["error"] == "identity.threshold_too_loose"


def test_only_a_booth_takes_a_nonce(api: Api, world: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {api.login_staff('off-kdl')}"}
    r = api.client.post("/api/v1/booth/identity/nonce", headers=headers)
    assert r.status_code == 403 and r.json()["error"] == "auth.role_required"
    assert api.client.post("/api/v1/booth/identity/nonce").status_code == 401


def test_registering_a_key_checks_it_and_is_audited(api: Api, world: dict[str, Any]) -> None:
    new = public_key(Ed25519PrivateKey.generate())
    with api.ctx.uow() as uow:
        with pytest.raises(DomainError) as bad:
            register_evidence_key(uow, SYSTEM, "BT-KDL-001", "bm90IGEga2V5")
        assert bad.value.code == "booths.evidence_key_invalid"
        done = register_evidence_key(uow, SYSTEM, "BT-KDL-001", new)
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "booth.evidence_key_registered")
        ).scalar_one()
    assert entry.data["fingerprint"] == done["fingerprint"]
    assert entry.data["replaced"] is not None  # the builders' key was there
    b = Booth(api, api.login_booth())  # the old key no longer verifies
    assert b.verify(world["driver"]).json()["error"] == "identity.signature_invalid"
    assert booth_public_key("BT-KDL-001") != new


def test_concurrent_uses_of_one_nonce_spend_it_once(api: Api, world: dict[str, Any]) -> None:
    """Two units of work spend the same nonce at once: exactly one wins (on PostgreSQL the
    loser's UPDATE waits for the winner's commit and then matches no row)."""
    b = Booth(api, api.login_booth())
    nonce = take_nonce(b)
    with api.ctx.uow() as uow:
        booth_id = uow.session.execute(
            select(BoothRow.id).where(BoothRow.code == "BT-KDL-001")
        ).scalar_one()
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def spend() -> None:
        barrier.wait()
        try:
            with api.ctx.uow() as uow:
                results.append(service.consume_nonce(uow, booth_id, nonce))
        except Exception:  # SQLite: a writer that finds the database locked loses
            results.append(False)

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_concurrent_checks_with_one_nonce_give_one_token(api: Api, world: dict[str, Any]) -> None:
    b = Booth(api, api.login_booth())
    body = signed_body(b.code, world["driver"], take_nonce(b), api.clock.now())
    codes: list[int] = []
    barrier = threading.Barrier(3)

    def go() -> None:
        barrier.wait()
        codes.append(send(b, body).status_code)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes)[0] == 200 and codes.count(200) == 1, codes
