"""Idempotency keys: the stored answer to a write, keyed by (caller, key).

The row is written in the same transaction as the effect, so a committed effect always has
its answer stored and a retry replays it: same key, same answer, one effect.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gangting.kernel.db import Base, JsonColumn
from gangting.kernel.errors import Invalid


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # "booth:<id>"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    created_at: Mapped[datetime]


class IdempotencyKeyReused(Invalid):
    code = "idempotency.key_reused"


def request_hash(method: str, path: str, payload: Any) -> str:
    raw = json.dumps([method, path, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def find_answer(session: Session, scope: str, key: str, req_hash: str) -> IdempotencyRecord | None:
    """The stored answer for this key, or None. The same key with another request is refused."""
    record = session.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    ).scalar_one_or_none()
    if record is not None and record.request_hash != req_hash:
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
) -> None:
    session.execute(
        insert(IdempotencyRecord).values(
            scope=scope,
            key=key,
            request_hash=req_hash,
            status_code=status_code,
            body=body,
            created_at=at,
        )
    )
