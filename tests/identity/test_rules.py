"""When the centre accepts a booth's face evidence (pure rule, table-driven)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gangting.identity.rules import (
    FaceEvidence,
    SignedFields,
    canonical_evidence,
    evidence_time_acceptable,
    face_evidence_acceptable,
    public_key_text,
    signature_valid,
)

LIVE = {"liveness_passed": True, "max_abs_yaw": 32.0, "turn_deg": 25.0}


def evidence(**over: object) -> FaceEvidence:
    base: dict[str, object] = {"matched": True, "distance": 0.42, "threshold": 0.5, **LIVE}
    base.update(over)
    return FaceEvidence(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("over", "codes"),
    [
        ({}, []),
        ({"distance": 0.5}, []),  # equal to the threshold matches (the verifier's <=)
        ({"threshold": 0.6, "distance": 0.55}, []),  # the loosest a booth may use
        ({"matched": False, "distance": 0.71}, ["identity.face_mismatch"]),
        ({"distance": 0.51}, ["identity.face_mismatch"]),  # "matched" its numbers contradict
        ({"threshold": 0.65, "distance": 0.62}, ["identity.threshold_too_loose"]),
        ({"liveness_passed": False, "max_abs_yaw": 3.0}, ["identity.liveness_failed"]),
        ({"max_abs_yaw": 12.0}, ["identity.liveness_failed"]),  # "passed" without a turn
        (
            {"matched": False, "distance": 0.9, "liveness_passed": False, "max_abs_yaw": 2.0},
            ["identity.face_mismatch", "identity.liveness_failed"],
        ),
    ],
)
def test_face_evidence_is_decided_from_its_numbers(
    over: dict[str, object], codes: list[str]
) -> None:
    decision = face_evidence_acceptable(evidence(**over), max_threshold=0.6)
    assert decision.allowed is (codes == [])
    if codes:
        assert [r.code for r in decision.reasons] == codes
        assert all(r.message for r in decision.reasons)
    else:
        assert [r.code for r in decision.reasons] == ["identity.face_verified"]


def test_the_refusal_carries_the_numbers_for_the_audit() -> None:
    decision = face_evidence_acceptable(
        evidence(matched=False, distance=0.73456), max_threshold=0.6
    )
    assert decision.reasons[0].data == {"distance": 0.7346, "threshold": 0.5, "max_threshold": 0.6}
    assert "人脸比对未通过" in decision.reasons[0].message


def _fields(**over: object) -> SignedFields:
    base: dict[str, object] = {
        "booth_code": "BT-KDL-001",
        "id_number": "150203198506150014",
        "card_source": "chip",
        "matched": True,
        "distance": 0.4213,
        "threshold": 0.5,
        "liveness_passed": True,
        "max_abs_yaw": 31.5,
        "turn_deg": 25.0,
        "signed_at": "2026-11-26T02:00:00+00:00",
        "nonce": "n" * 32,
    }
    base.update(over)
    return SignedFields(**base)  # type: ignore[arg-type]


def test_the_canonical_evidence_is_fixed_text_one_field_a_line() -> None:
    text = canonical_evidence(_fields()).decode()
    assert text.splitlines() == [
        "gangting.identity-evidence.v1",
        "BT-KDL-001",
        "150203198506150014",
        "chip",
        "1",
        "0.421300",
        "0.500000",
        "1",
        "31.500000",
        "25.000000",
        "2026-11-26T02:00:00+00:00",
        "n" * 32,
    ]
    with pytest.raises(ValueError):
        canonical_evidence(_fields(nonce="a\nb"))  # no field can shift the others


def test_only_the_keys_own_signature_of_those_bytes_is_valid() -> None:
    key = Ed25519PrivateKey.generate()
    pub = public_key_text(key.public_key())
    message = canonical_evidence(_fields())
    good = base64.b64encode(key.sign(message)).decode()
    assert signature_valid(pub, message, good)
    assert not signature_valid(pub, canonical_evidence(_fields(distance=0.1)), good)
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    assert not signature_valid(other, message, good)
    assert not signature_valid("not base64!", message, good)
    assert not signature_valid(pub, message, "AAAA")
    assert not signature_valid(base64.b64encode(b"x" * 31).decode(), message, good)


def test_the_signing_time_window_is_symmetric() -> None:
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert evidence_time_acceptable(now - timedelta(seconds=120), now, window_s=120)
    assert evidence_time_acceptable(now + timedelta(seconds=120), now, window_s=120)
    assert not evidence_time_acceptable(now + timedelta(seconds=121), now, window_s=120)
