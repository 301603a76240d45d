"""Idempotency keys: the stored answer to a write, keyed by (caller, key).

The row is written in the same transaction as the effect, so a committed effect always has
its answer stored and a retry replays it: same key, same answer, one effect.

An answer is replayed only to whoever it was given to (docs/decisions/0017): the key space
is the caller's own (``scope``: one booth or one staff account, so two booths' equal key
strings never meet), and a citizen's transaction also records the verified citizen it was
for (``citizen_id``, never the identity token). A replay naming another citizen is refused
before anything of the stored answer is looked at. Stored keys are kept for
``GANGTING_IDEMPOTENCY_RETENTION_DAYS`` and then purged by the worker
(``purge_expired_batch``); a replay after that is a new request.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, delete, insert, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from gangting.kernel.db import Base, JsonColumn
from gangting.kernel.errors import Conflict, Invalid


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # "booth:<id>"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    # When the answer was stored: what retention ages it by.
    created_at: Mapped[datetime] = mapped_column(index=True)
    # The verified citizen a booth's transaction was for (None: not a citizen's write).
    citizen_id: Mapped[uuid.UUID | None]


class IdempotencyKeyReused(Invalid):
    code = "idempotency.key_reused"


class IdempotencyKeyOwned(Conflict):
    """The key holds an answer given to another citizen: nothing of it is shown."""

    code = "idempotency.key_owned_by_another"


def request_hash(method: str, path: str, payload: Any) -> str:
    raw = json.dumps([method, path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def find_answer(
    session: Session,
    scope: str,
    key: str,
    req_hash: str,
    *,
    citizen_id: uuid.UUID | None = None,
) -> IdempotencyRecord | None:
    """The stored answer for this key, or None. A key whose answer was for another citizen
    is refused first (``IdempotencyKeyOwned``: whether its request matched is not told,
    or a stranger could test guesses of the first request against it); then the same key
    with another request is refused (``IdempotencyKeyReused``)."""
    record = session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.citizen_id != citizen_id:
        raise IdempotencyKeyOwned(
            "该幂等键已用于另一位办事群众的业务，请换用新的幂等键（每笔业务一个唯一值）",
            data={"idempotency_key": key},
        )
    if record.request_hash != req_hash:
        raise IdempotencyKeyReused(
            "同一幂等键已用于另一笔不同的请求",
            data={"idempotency_key": key},
        )
    return record


def store_answer(
    session: Session,
    scope: str,
    key: str,
    req_hash: str,
    status_code: int,
    body: dict[str, Any],
    at: datetime,
    *,
    citizen_id: uuid.UUID | None = None,
) -> None:
    session.execute(
        insert(IdempotencyRecord).values(
            scope=scope,
            key=key,
            request_hash=req_hash,
            status_code=status_code,
            body=body,
            created_at=at,
            citizen_id=citizen_id,
        )
    )


def purge_expired_batch(session: Session, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` stored answers stored before ``before``; how many (one batch
    of the retention job, in the caller's unit of work)."""
    expired = (
        select(IdempotencyRecord.scope, IdempotencyRecord.key)
        .where(IdempotencyRecord.created_at < before)
        .limit(batch)
    )
    rows = session.execute(expired).all()
    if rows:
        session.execute(
            delete(IdempotencyRecord).where(
                tuple_(IdempotencyRecord.scope, IdempotencyRecord.key).in_(
                    [(r.scope, r.key) for r in rows]
                )
            )
        )
    return len(rows)
