"""Durable idempotency keys for the business steps of a kiosk session.

A step (session, step name, what it is about) gets its key and the exact request body when
first attempted, written to the node SQLite *before* the call. Until the centre gives a
definitive answer (2xx or a business 4xx) every retry, even after a node restart, sends the
same key with the same body, so the centre replays its stored answer instead of acting
twice. After a definitive answer the key is spent: a new attempt (e.g. paying again after a
decline) is a new step with a new key.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gangting.node.store import NodeStore


def request_hash(step: str, about: Any) -> str:
    raw = json.dumps([step, about], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Step:
    key: str
    body: dict[str, Any]


class StepKeys:
    def __init__(self, store: NodeStore, booth_code: str) -> None:
        self._store = store
        self._prefix = booth_code

    def step(
        self,
        session_id: str,
        step: str,
        about: dict[str, Any],
        make_body: Callable[[], dict[str, Any]] | None = None,
    ) -> Step:
        """The pending step (its key and body), or a new one stored before it is used.
        ``make_body`` builds the body once (e.g. reads a payer code); default ``about``."""
        digest = request_hash(step, about)
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT key, body FROM step_keys WHERE session_id=? AND step=?"
                " AND request_hash=? AND state='pending'",
                (session_id, step, digest),
            ).fetchone()
        if row is not None:
            return Step(str(row["key"]), json.loads(row["body"]))
        body = make_body() if make_body is not None else about
        key = f"{self._prefix}:{uuid.uuid4().hex}"
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO step_keys (session_id, step, request_hash, key, body, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, step, digest, key, json.dumps(body, ensure_ascii=False), time.time()),
            )
        return Step(key, body)

    def spend(self, key: str) -> None:
        """The centre answered definitively: the next attempt is a new step."""
        with self._store.transaction() as db:
            db.execute("UPDATE step_keys SET state='done', body=NULL WHERE key=?", (key,))

    def has_pending(self, session_id: str) -> bool:
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT 1 FROM step_keys WHERE session_id=? AND state='pending' LIMIT 1",
                (session_id,),
            ).fetchone()
        return row is not None

    def close_session(self, session_id: str) -> None:
        """The session ended: its steps are forgotten (a new citizen starts afresh)."""
        with self._store.transaction() as db:
            db.execute("DELETE FROM step_keys WHERE session_id=?", (session_id,))
