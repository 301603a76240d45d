"""When the centre accepts a booth's live-face evidence for an identity token (pure).

The booth compares the live face with the ID card's chip photo and runs a head-turn
liveness challenge (``gangting.node.face_check``); the centre does not take a bare "yes":
it gets the distance, the threshold the booth used and the liveness outcome, re-derives
the decision and refuses when anything does not hold. Face information is sensitive
personal information (《个人信息保护法》第28条); the evidence carries numbers only, no image.
"""

from __future__ import annotations

import base64
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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


# --- signed evidence (issue 12 §3, docs/decisions/0018) ----------------------------------

EVIDENCE_VERSION = "gangting.identity-evidence.v1"


@dataclass(frozen=True)
class SignedFields:
    """What a booth node signs with its own Ed25519 key: the booth, the card, the face
    numbers, the liveness outcome, when (ISO 8601 with offset, as sent) and the centre's
    nonce. ``canonical_evidence`` turns it into the bytes signed and verified."""

    booth_code: str
    id_number: str
    card_source: str
    matched: bool
    distance: float
    threshold: float
    liveness_passed: bool
    max_abs_yaw: float
    turn_deg: float
    signed_at: str
    nonce: str


def _num(value: float) -> str:
    return format(float(value), ".6f")


def canonical_evidence(fields: SignedFields) -> bytes:
    """The byte string a booth signs: one field a line, in a fixed order, numbers with six
    decimals (the same double gives the same text in any language), booleans as 1/0, after
    a version line so that a signature over another kind of message never verifies here."""
    lines = [
        EVIDENCE_VERSION,
        fields.booth_code,
        fields.id_number,
        fields.card_source,
        "1" if fields.matched else "0",
        _num(fields.distance),
        _num(fields.threshold),
        "1" if fields.liveness_passed else "0",
        _num(fields.max_abs_yaw),
        _num(fields.turn_deg),
        fields.signed_at,
        fields.nonce,
    ]
    for line in lines:
        if "\n" in line:
            raise ValueError("a signed field may not hold a line break")
    return "\n".join(lines).encode("utf-8")


def public_key_from_text(text: str) -> Ed25519PublicKey | None:
    """A booth's public key as the registry keeps it (the raw 32 bytes, base64), or None
    when the text is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        return None
    if len(raw) != 32:
        return None
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def signature_valid(public_key: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64 of 64 bytes) is the key's Ed25519 signature of
    ``message``. Malformed keys or signatures are simply not valid."""
    key = public_key_from_text(public_key)
    if key is None:
        return False
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except ValueError:
        return False
    if len(raw) != 64:
        return False
    try:
        key.verify(raw, message)
    except InvalidSignature:
        return False
    return True


def evidence_time_acceptable(signed_at: datetime, now: datetime, *, window_s: float) -> bool:
    """The booth signed within ``window_s`` seconds of the centre's clock, either way."""
    return abs((now - signed_at).total_seconds()) <= window_s


@dataclass(frozen=True)
class RatePolicy:
    """When a booth's identity checks in the last hour are far above its own normal: more
    than ``max(min_per_hour, factor × median)``, the median over the hours of the last
    ``baseline_days`` days in which the booth made any check (quiet nights do not pull the
    normal down to zero)."""

    min_per_hour: int = 30
    factor: float = 5.0
    baseline_days: int = 7


def identity_rate_limit(hourly_counts: Sequence[int], policy: RatePolicy) -> float:
    """The hourly count above which a booth's checks raise an alert."""
    active = [c for c in hourly_counts if c > 0]
    median = statistics.median(active) if active else 0.0
    return max(float(policy.min_per_hour), policy.factor * float(median))
