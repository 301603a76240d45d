"""When the centre accepts a booth's live-face evidence for an identity token (pure).

The booth compares the live face with the ID card's chip photo and runs a head-turn
liveness challenge (``gangting.node.face_check``); the centre does not take a bare "yes":
it gets the distance, the threshold the booth used and the liveness outcome, re-derives
the decision and refuses when anything does not hold. Face information is sensitive
personal information (《个人信息保护法》第28条); the evidence carries numbers only, no image.
"""

from __future__ import annotations

from dataclasses import dataclass

from gangting.kernel.decision import Decision, Reason


@dataclass(frozen=True)
class FaceEvidence:
    """What a booth reports of its face check: ``distance`` between the live face's and
    the chip photo's descriptors (smaller = more alike), the ``threshold`` it used, and
    whether the head-turn liveness challenge passed."""

    matched: bool
    distance: float
    threshold: float
    liveness_passed: bool
    max_abs_yaw: float
    turn_deg: float


def face_evidence_acceptable(evidence: FaceEvidence, *, max_threshold: float) -> Decision:
    """Allow an identity token only for a live face that matched under a strict enough rule.

    Refused (every failing reason is given):
    - the booth's threshold is looser than the centre's ``max_threshold`` (a booth cannot
      relax the city's policy on its own);
    - the booth says not matched, or the distance is above the threshold it used (a
      "matched" that its own numbers contradict);
    - the liveness challenge failed, or the reported turn is smaller than required.
    Edge: a distance equal to the threshold matches (the verifier's rule is ``<=``).
    """
    data = {
        "distance": round(evidence.distance, 4),
        "threshold": evidence.threshold,
        "max_threshold": max_threshold,
    }
    refusals: list[Reason] = []
    if evidence.threshold > max_threshold:
        refusals.append(
            Reason(
                "identity.threshold_too_loose",
                "岗亭人脸比对阈值宽于中心规定，不予核验",
                (),
                data,
            )
        )
    if not evidence.matched or evidence.distance > evidence.threshold:
        refusals.append(
            Reason(
                "identity.face_mismatch",
                "人脸比对未通过，请正对摄像头重试或联系工作人员",
                (),
                data,
            )
        )
    if not evidence.liveness_passed or evidence.max_abs_yaw < evidence.turn_deg:
        refusals.append(
            Reason(
                "identity.liveness_failed",
                "活体检测（转头动作）未通过，请按提示重试或联系工作人员",
                (),
                {"max_abs_yaw": evidence.max_abs_yaw, "turn_deg": evidence.turn_deg},
            )
        )
    if refusals:
        return Decision.refuse(*refusals)
    return Decision.allow(
        Reason("identity.face_verified", "人脸与身份证照片一致，活体检测通过", (), data)
    )
