"""Signed checkpoints of the audit ledger and inclusion proofs (decision 0009).

A checkpoint is the RFC 9162 Merkle root over the first ``tree_size`` links (leaf data: a
link's 32-byte ``link_hash``), signed with the centre's Ed25519 key. It is stored in the
database and appended as one line to a file outside it, so a ledger rewritten or cut short
inside the database no longer matches a root that only the key could have signed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from gangting.audit.models import AuditEntry, LedgerCheckpoint, LedgerLink
from gangting.kernel import merkle
from gangting.kernel.checkpoint import (
    Checkpoint,
    from_line,
    public_key_pem,
    sign_checkpoint,
    to_line,
)


def leaf_hashes(session: Session, limit: int | None = None) -> Iterator[bytes]:
    """The Merkle leaf hash of each link, in chain order (the first ``limit`` only)."""
    query = select(LedgerLink.link_hash).order_by(LedgerLink.seq)
    if limit is not None:
        query = query.limit(limit)
    for (digest,) in session.execute(query.execution_options(yield_per=50_000)):
        yield merkle.leaf_hash(bytes.fromhex(digest))


def make_checkpoint(
    session: Session, key: Ed25519PrivateKey, at: datetime, file: Path
) -> Checkpoint | None:
    """Sign the root over every link so far; store it and append it to ``file``. None when
    the chain has not grown since the last checkpoint."""
    last = session.execute(
        select(LedgerCheckpoint.tree_size).order_by(LedgerCheckpoint.tree_size.desc()).limit(1)
    ).scalar_one_or_none()
    tree = merkle.MerkleAccumulator()
    tree.extend(leaf_hashes(session))
    if tree.size == 0 or tree.size == last:
        return None
    checkpoint = sign_checkpoint(key, tree.size, tree.root(), at)
    session.add(
        LedgerCheckpoint(
            tree_size=checkpoint.tree_size,
            root=checkpoint.root.hex(),
            at=checkpoint.at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature.hex(),
        )
    )
    session.flush()
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as out:
        out.write(to_line(checkpoint) + "\n")
    return checkpoint


def stored_checkpoints(session: Session, file: Path) -> list[Checkpoint]:
    """The checkpoints in the file outside the database, and those only in the database,
    by tree size (the file wins where both hold one: it is the harder one to rewrite)."""
    found: dict[int, Checkpoint] = {}
    for row in session.execute(select(LedgerCheckpoint)).scalars():
        found[row.tree_size] = Checkpoint(
            row.tree_size, bytes.fromhex(row.root), row.at, row.key_id, bytes.fromhex(row.signature)
        )
    if file.exists():
        for line in file.read_text("utf-8").splitlines():
            if line.strip():
                cp = from_line(line)
                found[cp.tree_size] = cp
    return [found[size] for size in sorted(found)]


@dataclass(frozen=True)
class Proof:
    """Everything needed to check one entry offline against a signed checkpoint."""

    entry_id: str
    seq: int
    body: str
    body_hash: str
    prev_hash: str
    link_hash: str
    proof: list[str]
    checkpoint: str
    public_key: str

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)


def prove(
    session: Session, entry: str, checkpoints: Sequence[Checkpoint], key: Ed25519PrivateKey
) -> Proof:
    """The inclusion proof of ``entry`` (an entry id, or its position in the chain) in the
    first checkpoint that covers it."""
    query = select(LedgerLink, AuditEntry).join(AuditEntry, AuditEntry.id == LedgerLink.entry_id)
    row = session.execute(
        query.where(LedgerLink.seq == int(entry))
        if entry.isdigit()
        else query.where(AuditEntry.id == _uuid(entry))
    ).first()
    if row is None:
        raise LookupError(f"账本中没有该条目 no such entry: {entry}")
    link, audit_entry = row
    covering = [cp for cp in checkpoints if cp.tree_size >= link.seq]
    if not covering:
        raise LookupError("该条目尚无检查点覆盖，请先生成检查点 (gangting audit checkpoint)")
    checkpoint = covering[0]
    leaves = list(leaf_hashes(session, checkpoint.tree_size))
    path = merkle.inclusion_proof(link.seq - 1, leaves)
    return Proof(
        entry_id=str(audit_entry.id),
        seq=link.seq,
        body=audit_entry.body,
        body_hash=audit_entry.body_hash,
        prev_hash=link.prev_hash,
        link_hash=link.link_hash,
        proof=[p.hex() for p in path],
        checkpoint=to_line(checkpoint),
        public_key=public_key_pem(key),
    )


def check_proof(document: dict[str, Any]) -> list[str]:
    """Check a proof offline: the body's hash, the link, the Merkle path to the signed root,
    and the signature. Returns what failed (empty: the entry is in the signed ledger)."""
    from gangting.audit.ledger import link_hash, sha256_hex
    from gangting.kernel.checkpoint import load_public_key_pem, verify_checkpoint

    failed: list[str] = []
    if sha256_hex(document["body"].encode()) != document["body_hash"]:
        failed.append("条目内容与其哈希不符 body does not match body_hash")
    if link_hash(document["prev_hash"], document["body_hash"]) != document["link_hash"]:
        failed.append("链哈希不符 link_hash does not match")
    checkpoint = from_line(document["checkpoint"])
    if not verify_checkpoint(load_public_key_pem(document["public_key"]), checkpoint):
        failed.append("检查点签名无效 checkpoint signature invalid")
    leaf = merkle.leaf_hash(bytes.fromhex(document["link_hash"]))
    path = [bytes.fromhex(p) for p in document["proof"]]
    if not merkle.verify_inclusion(
        document["seq"] - 1, checkpoint.tree_size, leaf, path, checkpoint.root
    ):
        failed.append("默克尔路径不通向检查点的根 inclusion proof does not reach the root")
    return failed


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise LookupError(f"不是条目编号 not an entry id or number: {value}") from exc
