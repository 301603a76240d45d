"""Verifying the audit ledger (decision 0009): walk the chain in order, name the first bad
entry (edited, deleted, reordered, cut short, or rewritten under a signed checkpoint), then
the entries outside the chain and the bound business rows that no longer match."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from gangting.audit.ledger import (
    BOUND_MODELS,
    ENTRY_FIELDS,
    GENESIS,
    canonical,
    link_hash,
    mapper_of,
    plain,
    row_digest,
    sha256_hex,
)
from gangting.audit.models import AuditEntry, LedgerLink
from gangting.kernel.checkpoint import Checkpoint, verify_checkpoint
from gangting.kernel.merkle import MerkleAccumulator, leaf_hash


@dataclass(frozen=True)
class Problem:
    """The first thing wrong in the ledger: which entry, what, and why."""

    kind: str
    seq: int | None
    entry_id: str | None
    message: str


@dataclass(frozen=True)
class Report:
    entries: int
    head_hash: str
    problems: tuple[Problem, ...]
    bound_rows: int
    unbound_rows: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems


def _entry_mismatch(row: Any) -> str | None:
    """Why the entry's columns or body no longer agree with what was sealed, if they don't."""
    if sha256_hex(row.body.encode()) != row.body_hash:
        return "内容哈希不符（body 被改动）"
    if canonical({k: getattr(row, k) for k in ENTRY_FIELDS}) == row.body:
        return None
    sealed_values = json.loads(row.body)
    for key in ENTRY_FIELDS:
        if sealed_values.get(key) != plain(getattr(row, key)):
            return f"字段 {key} 与封存内容不符"
    return "字段与封存内容不符"


def verify(
    session: Session,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    batch: int = 20_000,
) -> Report:
    """Walk the chain in order and stop at the first bad link, checking the Merkle root at
    each signed checkpoint on the way (a history rewritten whole, or cut short, no longer
    matches a root only the key could sign); then check that every entry is linked and
    every bound row still matches its last binding. Rows stream as plain tuples (no ORM
    objects), ``batch`` at a time."""
    problems: list[Problem] = [
        Problem("forged_checkpoint", cp.tree_size, None, f"检查点（{cp.tree_size} 条）签名无效")
        for cp in checkpoints
        if public_key is not None and not verify_checkpoint(public_key, cp)
    ]
    roots = {cp.tree_size: cp for cp in checkpoints}
    tree = MerkleAccumulator()
    expected_seq, prev, count = 1, GENESIS, 0
    bindings: dict[tuple[str, str], str | None] = {}
    entry = AuditEntry.__table__.c
    query = (
        select(
            LedgerLink.seq,
            LedgerLink.entry_id.label("link_entry"),
            LedgerLink.prev_hash,
            LedgerLink.link_hash,
            entry.body,
            entry.body_hash,
            *(entry[k] for k in ENTRY_FIELDS),
        )
        .select_from(LedgerLink)
        .outerjoin(AuditEntry, AuditEntry.id == LedgerLink.entry_id)
        .order_by(LedgerLink.seq)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(query):
        problem = _check_link(row, expected_seq, prev)
        if problem is not None:
            problems.append(problem)
            break
        if row.action == "ledger.bound":
            bindings[(row.subject_kind, row.subject_id)] = row.data.get("digest")
        tree.append(leaf_hash(bytes.fromhex(row.link_hash)))
        signed = roots.get(tree.size)
        if signed is not None and signed.root != tree.root():
            problems.append(
                Problem(
                    "checkpoint_mismatch",
                    row.seq,
                    str(row.link_entry),
                    f"前 {row.seq} 条的默克尔根与签名检查点不符：此前的记录被整体改写",
                )
            )
            break
        expected_seq, prev, count = row.seq + 1, row.link_hash, count + 1
    longest = max(roots, default=0)
    if not problems and count < longest:
        problems.append(
            Problem(
                "truncated",
                count + 1,
                None,
                f"第 {count + 1} 条起被截去：签名检查点记有 {longest} 条，账本只剩 {count} 条",
            )
        )
    if not problems:
        problems += _unlinked(session)
    bound_problems, unbound = _check_bound_rows(session, bindings)
    problems += bound_problems
    return Report(count, prev, tuple(problems), len(bindings), unbound)


def _check_link(row: Any, expected_seq: int, prev: str) -> Problem | None:
    seq, entry_id = row.seq, str(row.link_entry)
    if seq != expected_seq:
        return Problem(
            "gap",
            expected_seq,
            None,
            f"第 {expected_seq} 条缺失（下一条为第 {seq} 条）：记录被删除或顺序被改动",
        )
    if row.prev_hash != prev:
        return Problem(
            "broken_link", seq, entry_id, "前一条的哈希不符：记录被删除、插入或调换了顺序"
        )
    if row.id is None:
        return Problem("missing_entry", seq, entry_id, "审计记录已被删除")
    if row.link_hash != link_hash(prev, row.body_hash):
        return Problem("bad_hash", seq, entry_id, "链哈希不符：记录内容被改动")
    mismatch = _entry_mismatch(row)
    if mismatch is not None:
        return Problem("edited_entry", seq, entry_id, mismatch)
    return None


def _unlinked(session: Session) -> list[Problem]:
    """Entries that are in the table but not in the chain (written around the application)."""
    rows = session.execute(
        select(AuditEntry.id)
        .outerjoin(LedgerLink, LedgerLink.entry_id == AuditEntry.id)
        .where(LedgerLink.seq.is_(None))
        .limit(1)
    ).first()
    if rows is None:
        return []
    return [Problem("unlinked_entry", None, str(rows[0]), "该审计记录不在哈希链中（绕过系统写入）")]


def _check_bound_rows(
    session: Session, bindings: dict[tuple[str, str], str | None]
) -> tuple[list[Problem], dict[str, int]]:
    problems: list[Problem] = []
    unbound: dict[str, int] = {}
    for table, model in sorted(BOUND_MODELS.items()):
        key: Any = mapper_of(model).primary_key[0]
        seen: set[str] = set()
        missing = 0
        row: Any
        for row in session.execute(select(model).execution_options(yield_per=5_000)).scalars():
            row_id = str(getattr(row, key.key))
            digest = bindings.get((table, row_id))
            if digest is None:
                missing += 1
            else:
                seen.add(row_id)
                if digest != row_digest(model, row) and len(problems) < 20:
                    problems.append(
                        Problem(
                            "row_changed",
                            None,
                            None,
                            f"{table} {row_id}：业务数据与最后一次登记的摘要不符（被改动）",
                        )
                    )
            session.expunge(row)
        for (bound_table, row_id), last in bindings.items():
            gone = last is None  # deleted by the application, and bound as gone
            if bound_table == table and not gone and row_id not in seen and len(problems) < 20:
                problems.append(
                    Problem("row_deleted", None, None, f"{table} {row_id}：已登记的业务数据被删除")
                )
        if missing:
            unbound[table] = missing
    return problems, unbound
