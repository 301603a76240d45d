"""The audit ledger: every audit entry chained by hash, business rows bound to it (decision 0009).

- An entry is written with ``body``, the canonical JSON of its fields, and ``body_hash``,
  its SHA-256. The chain hashes those stored bytes, never a re-serialisation.
- At the commit of the transaction that wrote entries (SQLAlchemy ``before_commit``), the
  new entries are linked in the order they were written: one lock per chain (PostgreSQL:
  an advisory transaction lock; SQLite: its one writer), the head read, then one
  ``ledger_links`` row per entry, link_hash = SHA-256(prev_hash || body_hash). The lock is
  the last thing a transaction takes, so it never waits on a row lock held by a waiter.
- Tables whose rows hold a citizen's money, points and documents are declared with
  ``@ledger_bound``. Every such row the transaction inserted or changed gets a
  ``ledger.bound`` entry carrying the digest of the row as stored (read back after the
  flush), so a row edited outside the application no longer matches its last binding.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Mapper, Session

from gangting.audit.models import AuditEntry, LedgerLink
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.ids import new_id

GENESIS = "0" * 64
# One chain, one lock: any 64-bit constant that no other code uses as an advisory key.
_LOCK_KEY = 0x6761_6E67_7469_6E67 >> 1  # "gangting", kept positive for bigint
_PENDING = "ledger_pending"
_BOUND = "ledger_bound"

M = TypeVar("M", bound=type)
BOUND_MODELS: dict[str, type] = {}


def ledger_bound(model: M) -> M:
    """Declare that this table's rows are bound to the ledger (class decorator)."""
    BOUND_MODELS[model.__tablename__] = model  # type: ignore[attr-defined]
    return model


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(value: Any) -> Any:
    """A stored value as JSON: the text each type is stored as, never a float re-rounded."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def canonical(values: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 text: one text for one set of values."""
    return json.dumps(
        {k: _plain(v) for k, v in values.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_plain,
    )


ENTRY_FIELDS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "booth_id",
    "action",
    "subject_kind",
    "subject_id",
    "reason",
    "data",
)


def sealed(values: dict[str, Any]) -> dict[str, Any]:
    """An entry's column values with its ``body`` and ``body_hash`` added."""
    body = canonical({k: values[k] for k in ENTRY_FIELDS})
    return {**values, "body": body, "body_hash": sha256_hex(body.encode())}


def write_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert sealed entries and queue them for linking at this transaction's commit."""
    if not rows:
        return
    session.execute(insert(AuditEntry), [sealed(r) for r in rows])
    session.info.setdefault(_PENDING, []).extend(r["id"] for r in rows)


def _mapper(model: type) -> Mapper[Any]:
    mapper: Mapper[Any] = inspect(model)
    return mapper


def row_digest(model: type, row: Any) -> str:
    mapper: Mapper[Any] = inspect(model)
    return sha256_hex(canonical({c.key: getattr(row, c.key) for c in mapper.column_attrs}).encode())


def link_hash(prev_hash: str, body_hash: str) -> str:
    return sha256_hex(bytes.fromhex(prev_hash) + bytes.fromhex(body_hash))


# --- the session events ------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_bound_rows(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in BOUND_MODELS and (obj not in session.dirty or session.is_modified(obj)):
            key = tuple(_mapper(type(obj)).primary_key_from_instance(obj))
            session.info.setdefault(_BOUND, set()).add((table, key))


@event.listens_for(Session, "before_commit")
def _link_at_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    _bind_rows(session)
    pending: list[uuid.UUID] = session.info.pop(_PENDING, [])
    if pending:
        append_links(session, pending)


def _bind_rows(session: Session) -> None:
    bound: set[tuple[str, tuple[Any, ...] | None]] = session.info.pop(_BOUND, set())
    by_table: dict[str, list[Any]] = {}
    for table, identity in bound:
        if identity is not None:
            by_table.setdefault(table, []).append(identity[0])
    if not by_table:
        return
    clock = session.info.get("clock")
    at = clock.now() if clock is not None else datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for table in sorted(by_table):
        model = BOUND_MODELS[table]
        key: Any = _mapper(model).primary_key[0]
        ids = sorted(by_table[table], key=str)
        found: Any = session.execute(
            select(model).where(key.in_(ids)).execution_options(populate_existing=True)
        ).scalars()
        fresh: dict[str, Any] = {str(getattr(r, key.key)): r for r in found}
        for row_id in map(str, ids):
            row = fresh.get(row_id)
            # a row the application deleted is bound as gone (digest null)
            digest = row_digest(model, row) if row is not None else None
            rows.append(_binding(at, SYSTEM, table, row_id, digest))
    write_entries(session, rows)


def _binding(
    at: datetime, actor: Actor, table: str, row_id: str, digest: str | None
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "at": at,
        "actor_kind": actor.kind,
        "actor_id": actor.name,
        "booth_id": None,
        "action": "ledger.bound",
        "subject_kind": table,
        "subject_id": row_id,
        "reason": None,
        "data": {"digest": digest},
    }


def append_links(session: Session, entry_ids: Sequence[uuid.UUID]) -> None:
    """Link these entries, in this order, after the chain's head (under the chain's lock).
    Entries whose insert a rolled-back savepoint undid are skipped."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    stored: dict[uuid.UUID, str] = {
        entry_id: body_hash
        for entry_id, body_hash in session.execute(
            select(AuditEntry.id, AuditEntry.body_hash).where(AuditEntry.id.in_(entry_ids))
        )
    }
    head = session.execute(
        select(LedgerLink.seq, LedgerLink.link_hash).order_by(LedgerLink.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0], head[1]) if head is not None else (0, GENESIS)
    links: list[dict[str, Any]] = []
    for entry_id in dict.fromkeys(entry_ids):
        body_hash = stored.get(entry_id)
        if body_hash is None:
            continue
        seq += 1
        current = link_hash(prev, body_hash)
        links.append({"seq": seq, "entry_id": entry_id, "prev_hash": prev, "link_hash": current})
        prev = current
    if links:
        session.execute(insert(LedgerLink), links)


# --- verifying -----------------------------------------------------------------------------


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


def _entry_mismatch(entry: AuditEntry) -> str | None:
    """Why the entry's columns or body no longer agree with what was sealed, if they don't."""
    if sha256_hex(entry.body.encode()) != entry.body_hash:
        return "内容哈希不符（body 被改动）"
    sealed_values = json.loads(entry.body)
    now = {k: _plain(getattr(entry, k)) for k in ENTRY_FIELDS}
    for key in ENTRY_FIELDS:
        if key == "at":
            if datetime.fromisoformat(sealed_values["at"]) != entry.at:
                return "字段 at 与封存内容不符"
        elif sealed_values.get(key) != now[key]:
            return f"字段 {key} 与封存内容不符"
    return None


def verify(session: Session, *, batch: int = 20_000) -> Report:
    """Walk the chain in order and stop at the first bad link; then check that every entry
    is linked and every bound row still matches its last binding."""
    problems: list[Problem] = []
    expected_seq, prev, count = 1, GENESIS, 0
    bindings: dict[tuple[str, str], str | None] = {}
    query = (
        select(LedgerLink, AuditEntry)
        .outerjoin(AuditEntry, AuditEntry.id == LedgerLink.entry_id)
        .order_by(LedgerLink.seq)
        .execution_options(yield_per=batch)
    )
    for link, entry in session.execute(query):
        problem = _check_link(link, entry, expected_seq, prev)
        if problem is not None:
            problems.append(problem)
            break
        assert entry is not None
        if entry.action == "ledger.bound":
            bindings[(entry.subject_kind, entry.subject_id)] = entry.data.get("digest")
        expected_seq, prev, count = link.seq + 1, link.link_hash, count + 1
        session.expunge(entry)
        session.expunge(link)
    if not problems:
        problems += _unlinked(session)
    bound_problems, unbound = _check_bound_rows(session, bindings)
    problems += bound_problems
    return Report(count, prev, tuple(problems), len(bindings), unbound)


def _check_link(
    link: LedgerLink, entry: AuditEntry | None, expected_seq: int, prev: str
) -> Problem | None:
    seq, entry_id = link.seq, str(link.entry_id)
    if link.seq != expected_seq:
        return Problem(
            "gap",
            expected_seq,
            None,
            f"第 {expected_seq} 条缺失（下一条为第 {link.seq} 条）：记录被删除或顺序被改动",
        )
    if link.prev_hash != prev:
        return Problem(
            "broken_link", seq, entry_id, "前一条的哈希不符：记录被删除、插入或调换了顺序"
        )
    if entry is None:
        return Problem("missing_entry", seq, entry_id, "审计记录已被删除")
    if link.link_hash != link_hash(prev, entry.body_hash):
        return Problem("bad_hash", seq, entry_id, "链哈希不符：记录内容被改动")
    mismatch = _entry_mismatch(entry)
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
        key: Any = _mapper(model).primary_key[0]
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
