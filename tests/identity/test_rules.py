"""When the centre accepts a booth's face evidence (pure rule, table-driven)."""

from __future__ import annotations

import pytest

from gangting.identity.rules import FaceEvidence, face_evidence_acceptable

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
