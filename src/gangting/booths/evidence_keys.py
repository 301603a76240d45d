"""The booth nodes' evidence keys: each node's Ed25519 public key in the registry, put
there by an administrator (or the system at provisioning, as the demo does), never by the
booth itself: a stolen booth secret cannot swap in a key of its own (docs/decisions/0018).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import select

from gangting.audit import service as audit
from gangting.booths.errors import BoothUnknown
from gangting.booths.models import Booth
from gangting.identity.rules import public_key_from_text
from gangting.kernel.actor import Actor
from gangting.kernel.errors import Invalid
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_role


class EvidenceKeyInvalid(Invalid):
    code = "booths.evidence_key_invalid"


def key_fingerprint(public_key: str) -> str:
    """A short fingerprint an admin can compare with what the node prints."""
    return hashlib.sha256(public_key.encode()).hexdigest()[:16]


def register_evidence_key(
    uow: UnitOfWork, actor: Actor, booth_code: str, public_key: str
) -> dict[str, Any]:
    """Register (or replace: a node rebuilt with a new key) a booth's evidence public key.
    Admins, or the system itself (provisioning); audited with the key's fingerprint."""
    if actor.kind != "system":
        require_role(actor, "admin")
    text = public_key.strip()
    if public_key_from_text(text) is None:
        raise EvidenceKeyInvalid(
            "公钥格式无效：须为 Ed25519 公钥原始32字节的 base64 编码", data={"booth": booth_code}
        )
    booth = uow.session.execute(select(Booth).where(Booth.code == booth_code)).scalar_one_or_none()
    if booth is None:
        raise BoothUnknown("没有该岗亭", data={"booth": booth_code})
    previous = booth.evidence_public_key
    booth.evidence_public_key = text
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "booth.evidence_key_registered",
        "booth",
        booth.code,
        data={
            "fingerprint": key_fingerprint(text),
            "replaced": None if previous is None else key_fingerprint(previous),
        },
    )
    return {"booth": booth.code, "fingerprint": key_fingerprint(text)}


def evidence_public_key(uow: UnitOfWork, booth_id: uuid.UUID) -> str | None:
    return uow.session.execute(
        select(Booth.evidence_public_key).where(Booth.id == booth_id)
    ).scalar_one_or_none()
