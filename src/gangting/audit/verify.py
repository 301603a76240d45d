"""Verifying the audit ledger (decision 0009): walk the chain in order, name the first bad
entry (edited, deleted, reordered, cut short, or rewritten under a signed checkpoint), then
the entries outside the chain and the bound business rows that no longer match."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select, select, text
from sqlalchemy.exc import DBAPIError
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
    try:
        sealed_values = json.loads(row.body)
    except ValueError:
        return "封存内容不是 JSON"
    if not isinstance(sealed_values, dict):
        return "封存内容不是 JSON 对象"
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
    chunk: int | None = 65_536,
    workers: int = 2,
) -> Report:
    """Check the whole ledger and report the first bad entry: the chain in order (a gap, a
    broken link, a missing, rewritten or edited entry), the Merkle root at each signed
    checkpoint on the way (a history rewritten whole, or cut short, no longer matches a root
    only the key could sign); then that every entry is linked and every bound row still
    matches its last binding.

    SQLite: one walk in order, rows streamed ``batch`` at a time. PostgreSQL: each row is
    judged on its own in the database, ``workers`` connections at a time over ranges of
    entry ids, and only what is wrong and the bindings come back; the chain's order and the
    Merkle roots are checked here over the link hashes, ``chunk`` links at a time (memory
    bounded by the chunk). Where anything is wrong the walk in order is run from the start
    of the chunk that holds it, so the problem named is the one the walk names. The other
    connections read the session's snapshot: verify what is committed. ``chunk=None``:
    the walk in order over everything (the reference the checks at scale are tested
    against)."""
    problems: list[Problem] = [
        Problem("forged_checkpoint", cp.tree_size, None, f"检查点（{cp.tree_size} 条）签名无效")
        for cp in checkpoints
        if public_key is not None and not verify_checkpoint(public_key, cp)
    ]
    roots = {cp.tree_size: cp for cp in checkpoints}
    if session.get_bind().dialect.name == "postgresql":
        from gangting.audit.verify_pg import check_in_postgresql

        fast = (
            None
            if chunk is None
            else check_in_postgresql(session, roots, chunk=chunk, workers=workers)
        )
        if fast is not None:
            if fast.problem is not None:
                problems.append(fast.problem)
            return _finish(
                session, problems, roots, fast.count, fast.head, fast.bindings, fast.unlinked
            )
        walked = walk_in_postgresql(session, roots, 1, GENESIS, batch=batch)
    else:
        walked = walk(_scan(session, batch), roots, 1, GENESIS, 0)
    if walked.problem is not None:
        problems.append(walked.problem)
    return _finish(session, problems, roots, walked.count, walked.head, walked.bindings)


@dataclass
class Walked:
    """Where a walk in order stopped: the first problem (None: the end), how many links
    passed, the last good link's hash, and the bindings met on the way."""

    problem: Problem | None
    count: int
    head: str
    bindings: dict[tuple[str, str], str | None]


def walk(
    rows: Iterator[_Judged],
    roots: dict[int, Checkpoint] | None,
    expected_seq: int,
    prev: str,
    count: int,
) -> Walked:
    """Walk judged links in order from ``expected_seq`` (after the link ``prev``) and stop at
    the first bad one. With ``roots`` (from the first link only), the Merkle root is checked
    at each signed checkpoint on the way."""
    tree = MerkleAccumulator()
    bindings: dict[tuple[str, str], str | None] = {}
    for row in rows:
        problem = _check_link(row, expected_seq, prev)
        if problem is not None:
            return Walked(problem, count, prev, bindings)
        if row.action == "ledger.bound":
            bindings[(str(row.subject_kind), str(row.subject_id))] = row.digest
        if roots is not None:
            tree.append(leaf_hash(bytes.fromhex(row.link_hash)))
            signed = roots.get(tree.size)
            if signed is not None and signed.root != tree.root():
                return Walked(checkpoint_mismatch(row.seq, row.link_entry), count, prev, bindings)
        expected_seq, prev, count = row.seq + 1, row.link_hash, count + 1
    return Walked(None, count, prev, bindings)


def walk_in_postgresql(
    session: Session,
    roots: dict[int, Checkpoint] | None,
    start: int,
    prev: str,
    *,
    reach: int | None = None,
    batch: int = 20_000,
) -> Walked:
    """The walk in order from ``start`` (after the link ``prev``), ``reach`` links at most,
    judged in the database; judged here instead where the database refuses a row's
    expressions (a hash that is not hex, a body that is not JSON)."""
    low = start if start > 1 else None  # from the first: any position below 1 too
    try:
        with session.begin_nested():
            rows = itertools.islice(_scan_in_postgresql(session, batch, low), reach)
            return walk(rows, roots, start, prev, start - 1)
    except DBAPIError:
        rows = itertools.islice(_scan(session, batch, low), reach)
        return walk(rows, roots, start, prev, start - 1)


def checkpoint_mismatch(seq: int, entry_id: Any) -> Problem:
    return Problem(
        "checkpoint_mismatch",
        seq,
        str(entry_id),
        f"前 {seq} 条的默克尔根与签名检查点不符：此前的记录被整体改写",
    )


def _links_with_entries() -> Select[Any]:
    entry = AuditEntry.__table__.c
    return (
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
    )


def _scan(session: Session, batch: int, from_seq: int | None = None) -> Iterator[_Judged]:
    """The links from ``from_seq`` (all of them: None) with their entries, in order; each
    row judged here (SQLite)."""
    query = _links_with_entries().order_by(LedgerLink.seq).execution_options(yield_per=batch)
    if from_seq is not None:
        query = query.where(LedgerLink.seq >= from_seq)
    for row in session.execute(query):
        yield judge_row(row)


def judge_row(row: Any) -> _Judged:
    """One link with its entry (a row of ``_links_with_entries``) judged here."""
    present = row.id is not None
    return _Judged(
        row.seq,
        row.link_entry,
        row.prev_hash,
        row.link_hash,
        present,
        present and _link_holds(row.prev_hash, row.body_hash, row.link_hash),
        present and _entry_mismatch(row) is None,
        row.action,
        row.subject_kind,
        row.subject_id,
        row.data.get("digest") if row.action == "ledger.bound" else None,
        row,
    )


def _link_holds(prev_hash: str, body_hash: str, link: str) -> bool:
    try:
        return link == link_hash(prev_hash, body_hash)
    except ValueError:  # a hash that is not hex
        return False


# The same judgement in PostgreSQL, beside this process: the hashes with sha256(), the
# columns against the sealed body through jsonb. Only the link hashes and the bindings come
# back; a row judged bad is looked at again here to say exactly what is wrong.
_PG_SCAN = """
SELECT seq, link_entry, prev_hash, link_hash, present, link_ok,
       body_ok
       AND (j->>'id') = eid::text AND (j->>'action') = action
       AND (j->>'actor_kind') = actor_kind AND (j->>'actor_id') = actor_id
       AND (j->>'booth_id') IS NOT DISTINCT FROM booth_id::text
       AND (j->>'subject_kind') = subject_kind AND (j->>'subject_id') = subject_id
       AND (j->>'reason') IS NOT DISTINCT FROM reason
       AND (j->'data') = data::jsonb AND (j->>'at')::timestamptz = at AS entry_ok,
       action, subject_kind, subject_id,
       CASE WHEN action = 'ledger.bound' THEN data->>'digest' END AS digest
FROM (
  SELECT l.seq, l.entry_id AS link_entry, l.prev_hash, l.link_hash,
         e.id IS NOT NULL AS present, e.id AS eid, e.action, e.actor_kind, e.actor_id,
         e.booth_id, e.subject_kind, e.subject_id, e.reason, e.data, e.at,
         l.link_hash = encode(sha256(decode(l.prev_hash, 'hex')
                                     || decode(e.body_hash, 'hex')), 'hex') AS link_ok,
         e.body_hash = encode(sha256(convert_to(e.body, 'UTF8')), 'hex') AS body_ok,
         e.body::jsonb AS j  -- parsed once a row (OFFSET 0 keeps it from being inlined)
  FROM ledger_links l
  LEFT JOIN audit_entries e ON e.id = l.entry_id
  WHERE l.seq >= :from_seq
  ORDER BY l.seq
  OFFSET 0
) judged
ORDER BY seq
"""


def _scan_in_postgresql(
    session: Session, batch: int, from_seq: int | None = None
) -> Iterator[_Judged]:
    """The links from ``from_seq`` (all of them: None) in order, judged in PostgreSQL."""
    low = -(2**63) if from_seq is None else from_seq
    result = session.execute(
        text(_PG_SCAN).bindparams(from_seq=low).execution_options(yield_per=batch)
    )
    for row in result:
        full = None
        if row.present and not (row.link_ok and row.entry_ok):  # say exactly what is wrong
            full = session.execute(_links_with_entries().where(LedgerLink.seq == row.seq)).one()
        yield _Judged(
            row.seq,
            row.link_entry,
            row.prev_hash,
            row.link_hash,
            row.present,
            bool(row.link_ok),
            bool(row.entry_ok),
            row.action,
            row.subject_kind,
            row.subject_id,
            row.digest,
            full,
        )


@dataclass(frozen=True, slots=True)
class _Judged:
    """One link as judged: where it stands, whether its entry is there, whether the link's
    hash and the entry's columns hold; what a binding entry binds."""

    seq: int
    link_entry: Any
    prev_hash: str
    link_hash: str
    present: bool
    link_ok: bool
    entry_ok: bool
    action: str | None
    subject_kind: str | None
    subject_id: str | None
    digest: str | None
    row: Any


def _finish(
    session: Session,
    problems: list[Problem],
    roots: dict[int, Checkpoint],
    count: int,
    prev: str,
    bindings: dict[tuple[str, str], str | None],
    unlinked: list[Problem] | None = None,
) -> Report:
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
        problems += _unlinked(session) if unlinked is None else unlinked
    bound_problems, unbound = _check_bound_rows(session, bindings)
    problems += bound_problems
    return Report(count, prev, tuple(problems), len(bindings), unbound)


def _check_link(row: _Judged, expected_seq: int, prev: str) -> Problem | None:
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
    if not row.present:
        return Problem("missing_entry", seq, entry_id, "审计记录已被删除")
    if not row.link_ok:
        return Problem("bad_hash", seq, entry_id, "链哈希不符：记录内容被改动")
    if not row.entry_ok:
        return Problem("edited_entry", seq, entry_id, _why_edited(row))
    return None


def _why_edited(row: _Judged) -> str:
    """What is wrong with an entry judged edited (read again here when PostgreSQL judged it)."""
    full = row.row
    if full is None:
        return "字段与封存内容不符"
    return _entry_mismatch(full) or "字段与封存内容不符"


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
