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
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Table, event, insert, inspect, select, text
from sqlalchemy.orm import Mapper, Session, SessionTransaction

from gangting.audit.models import AuditEntry, LedgerLink
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.clock import Clock, SystemClock
from gangting.kernel.ids import new_id

GENESIS = "0" * 64
# One chain, one lock: any 64-bit constant that no other code uses as an advisory key.
_LOCK_KEY = 0x6761_6E67_7469_6E67 >> 1  # "gangting", kept positive for bigint
_PENDING = "ledger_pending"
_BOUND = "ledger_bound"
_MARKS = "ledger_savepoint_marks"
# decision 0009: lock, head read and links in one call (migration 0019); PostgreSQL only
LEDGER_APPEND_SQL = "SELECT ledger_append(:key, CAST(:ids AS uuid[]), CAST(:hashes AS text[]))"

M = TypeVar("M", bound=type)
BOUND_MODELS: dict[str, type] = {}


def ledger_bound(model: M) -> M:
    """Declare that this table's rows are bound to the ledger (class decorator)."""
    BOUND_MODELS[model.__tablename__] = model  # type: ignore[attr-defined]
    return model


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plain(value: Any) -> Any:
    """A stored value as JSON: the text each type is stored as, never a float re-rounded."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        # an instant in UTC, as the database gives it back: one text for one instant
        return (value.astimezone(UTC) if value.tzinfo is not None else value).isoformat()
    if isinstance(value, date):
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
        {k: plain(v) for k, v in values.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=plain,
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


_ENTRIES: Table = AuditEntry.__table__  # type: ignore[assignment]


def write_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert sealed entries and queue them, with their body hashes, for linking at this
    transaction's commit (a savepoint rolled back takes its entries off the queue)."""
    if not rows:
        return
    entries = [sealed(r) for r in rows]
    # a Core insert into the table (the ORM's bulk path adds nothing for plain rows)
    session.execute(insert(_ENTRIES), entries)
    session.info.setdefault(_PENDING, []).extend((e["id"], e["body_hash"]) for e in entries)


def mapper_of(model: type) -> Mapper[Any]:
    mapper: Mapper[Any] = inspect(model)
    return mapper


def row_digest(model: type, row: Any) -> str:
    mapper: Mapper[Any] = inspect(model)
    return sha256_hex(canonical({c.key: getattr(row, c.key) for c in mapper.column_attrs}).encode())


def _digest_columns(model: type) -> tuple[list[str], list[Any]]:
    attrs = mapper_of(model).column_attrs
    return [a.key for a in attrs], [a.columns[0] for a in attrs]


def _digest(values: dict[str, Any]) -> str:
    return sha256_hex(canonical(values).encode())


def link_hash(prev_hash: str, body_hash: str) -> str:
    return sha256_hex(bytes.fromhex(prev_hash) + bytes.fromhex(body_hash))


# --- the session events ------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_bound_rows(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in BOUND_MODELS and (obj not in session.dirty or session.is_modified(obj)):
            key = tuple(mapper_of(type(obj)).primary_key_from_instance(obj))
            session.info.setdefault(_BOUND, set()).add((table, key))


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # where the queue stood when a savepoint began: its rollback cuts the queue back to it
    if transaction.nested:
        marks = session.info.setdefault(_MARKS, {})
        marks[transaction] = len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _unqueue_rolled_back(session: Session, previous: SessionTransaction) -> None:
    marks: dict[SessionTransaction, int] = session.info.get(_MARKS, {})
    if previous.nested:
        mark = marks.pop(previous, None)
        pending = session.info.get(_PENDING)
        if mark is not None and pending is not None:
            del pending[mark:]
    elif previous.parent is None:
        # the whole transaction is undone: nothing it wrote is left to link or bind
        session.info.pop(_PENDING, None)
        session.info.pop(_BOUND, None)
        session.info.pop(_MARKS, None)


@event.listens_for(Session, "before_commit")
def _link_at_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    session.info.pop(_MARKS, None)
    _bind_rows(session)
    pending: list[tuple[uuid.UUID, str]] = session.info.pop(_PENDING, [])
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
    # the unit of work's clock; a session opened without one (a script) runs on the system's
    clock: Clock = session.info.get("clock") or SystemClock()
    at = clock.now()
    rows: list[dict[str, Any]] = []
    for table in sorted(by_table):
        model = BOUND_MODELS[table]
        key: Any = mapper_of(model).primary_key[0]
        ids = sorted(by_table[table], key=str)
        # the stored row read with Core (no ORM objects): the same values, by attribute key,
        # that verify digests from the row loaded as an object
        keys, columns = _digest_columns(model)
        found = session.execute(select(*columns).where(key.in_(ids)))
        fresh: dict[str, dict[str, Any]] = {}
        for values in found:
            named = dict(zip(keys, values, strict=True))
            fresh[str(named[key.key])] = named
        for row_id in map(str, ids):
            named_row = fresh.get(row_id)
            # a row the application deleted is bound as gone (digest null)
            digest = _digest(named_row) if named_row is not None else None
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


def append_links(session: Session, entries: Sequence[tuple[uuid.UUID, str]]) -> None:
    """Link these entries (id, body hash), in this order, after the chain's head, under the
    chain's lock. On PostgreSQL one call of ``ledger_append`` (migration 0019) takes the
    advisory transaction lock, then reads the head and inserts the links: its statements
    each take a fresh snapshot, so the head is read after the lock is held."""
    entries = list(dict(entries).items())  # one link per entry, in first-written order
    if not entries:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(LEDGER_APPEND_SQL),
            {
                "key": _LOCK_KEY,
                "ids": [entry_id for entry_id, _ in entries],
                "hashes": [body_hash for _, body_hash in entries],
            },
        )
        return
    head = session.execute(
        select(LedgerLink.seq, LedgerLink.link_hash).order_by(LedgerLink.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0], head[1]) if head is not None else (0, GENESIS)
    links: list[dict[str, Any]] = []
    for entry_id, body_hash in entries:
        seq += 1
        current = link_hash(prev, body_hash)
        links.append({"seq": seq, "entry_id": entry_id, "prev_hash": prev, "link_hash": current})
        prev = current
    session.execute(insert(LedgerLink), links)
