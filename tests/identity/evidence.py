"""Test helper: each test booth's evidence key pair (derived from its code, so that
``tests.builders.booth`` registers the public key) and a signed identity-check body."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gangting.identity.rules import SignedFields
from gangting.node.evidence_key import public_key, sign

FACE: dict[str, Any] = {
    "matched": True,
    "distance": 0.4213,
    "threshold": 0.5,
    "liveness": {"passed": True, "max_abs_yaw": 31.5, "turn_deg": 25.0, "frames": 11},
    "engine": "dlib_resnet_v1",
}


def booth_key(code: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"test:{code}".encode()).digest())


def booth_public_key(code: str) -> str:
    return public_key(booth_key(code))


def signed_body(
    code: str,
    id_number: str,
    nonce: str,
    at: datetime,
    *,
    face: dict[str, Any] | None = None,
    card_source: str = "chip",
    key: Ed25519PrivateKey | None = None,
) -> dict[str, Any]:
    """An identity-check body whose evidence is signed by ``code``'s key (or ``key``)."""
    f = face if face is not None else FACE
    signed_at = at.isoformat()
    fields = SignedFields(
        booth_code=code,
        id_number=id_number,
        card_source=card_source,
        matched=bool(f["matched"]),
        distance=float(f["distance"]),
        threshold=float(f["threshold"]),
        liveness_passed=bool(f["liveness"]["passed"]),
        max_abs_yaw=float(f["liveness"]["max_abs_yaw"]),
        turn_deg=float(f["liveness"]["turn_deg"]),
        signed_at=signed_at,
        nonce=nonce,
    )
    signature = sign(key or booth_key(code), fields)
    return {
        "id_number": id_number,
        "face": f,
        "card_source": card_source,
        "evidence": {"nonce": nonce, "signed_at": signed_at, "signature": signature},
    }


class _Client(Protocol):
    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> Any: ...


def take_nonce(b: _Client) -> str:
    r = b.post("/api/v1/booth/identity/nonce", {})
    assert r.status_code == 200, r.text
    return str(r.json()["nonce"])
