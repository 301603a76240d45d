"""The bench booths' evidence keys (derived from the booth code, registered by
``pools.ensure_booths``) and a signed identity-check body (decision 0018)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gangting.identity.rules import SignedFields
from gangting.node.evidence_key import public_key, sign

NONCE_PATH = "/api/v1/booth/identity/nonce"
FACE: dict[str, Any] = {
    "matched": True,
    "distance": 0.42,
    "threshold": 0.5,
    "liveness": {"passed": True, "max_abs_yaw": 31.0, "turn_deg": 25.0},
    "engine": "bench",
}


def bench_key(code: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"bench:{code}".encode()).digest())


def bench_public_key(code: str) -> str:
    return public_key(bench_key(code))


def signed_check(code: str, id_number: str, nonce: str, demo_clock: str = "") -> dict[str, Any]:
    """The check body signed by the bench booth's key, at the server's time."""
    at = datetime.fromisoformat(demo_clock) if demo_clock else datetime.now(UTC)
    signed_at = at.isoformat()
    live = FACE["liveness"]
    fields = SignedFields(
        booth_code=code,
        id_number=id_number,
        card_source="chip",
        matched=True,
        distance=FACE["distance"],
        threshold=FACE["threshold"],
        liveness_passed=live["passed"],
        max_abs_yaw=live["max_abs_yaw"],
        turn_deg=live["turn_deg"],
        signed_at=signed_at,
        nonce=nonce,
    )
    return {
        "id_number": id_number,
        "face": FACE,
        "evidence": {
            "nonce": nonce,
            "signed_at": signed_at,
            "signature": sign(bench_key(code), fields),
        },
    }
