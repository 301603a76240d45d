"""Queue numbers for citizens waiting at a busy booth, with an estimated wait from the
durations of recent sessions."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from gangting.node.store import NodeStore

DEFAULT_SESSION_S = 240.0  # before any session has been measured
RECENT = 20


class Queue:
    def __init__(self, store: NodeStore) -> None:
        self._store = store

    def average_session_s(self) -> float:
        with self._store.transaction() as db:
            rows = db.execute(
                "SELECT duration_s FROM session_durations ORDER BY id DESC LIMIT ?", (RECENT,)
            ).fetchall()
        if not rows:
            return DEFAULT_SESSION_S
        return sum(float(r["duration_s"]) for r in rows) / len(rows)

    def record_session(self, duration_s: float) -> None:
        with self._store.transaction() as db:
            db.execute(
                "INSERT INTO session_durations (duration_s, ended_at) VALUES (?, ?)",
                (max(0.0, duration_s), time.time()),
            )

    def take(self, today: date, busy: bool) -> dict[str, Any]:
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT coalesce(max(number), 0) AS n FROM queue_tickets WHERE day=?",
                (today.isoformat(),),
            ).fetchone()
            number = int(row["n"]) + 1
            ahead = self._waiting(db, today)
            db.execute(
                "INSERT INTO queue_tickets (day, number, taken_at) VALUES (?, ?, ?)",
                (today.isoformat(), number, time.time()),
            )
        wait_s = self._estimate(ahead + (1 if busy else 0))
        return {
            "number": f"A{number:03d}",
            "waiting_ahead": ahead,
            "estimated_wait_s": round(wait_s),
            "estimated_wait_min": max(1, round(wait_s / 60)) if wait_s else 0,
        }

    def call_next(self, today: date) -> str | None:
        """A session starts: the first waiting number is called (served)."""
        with self._store.transaction() as db:
            row = db.execute(
                "SELECT id, number FROM queue_tickets WHERE day=? AND state='waiting'"
                " ORDER BY id LIMIT 1",
                (today.isoformat(),),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE queue_tickets SET state='called' WHERE id=?", (row["id"],))
        return f"A{int(row['number']):03d}"

    def status(self, today: date, busy: bool) -> dict[str, Any]:
        with self._store.transaction() as db:
            waiting = self._waiting(db, today)
        wait_s = self._estimate(waiting + (1 if busy else 0))
        return {
            "waiting": waiting,
            "estimated_wait_s": round(wait_s),
            "estimated_wait_min": max(1, round(wait_s / 60)) if wait_s else 0,
        }

    def _waiting(self, db: Any, today: date) -> int:
        row = db.execute(
            "SELECT count(*) AS n FROM queue_tickets WHERE day=? AND state='waiting'",
            (today.isoformat(),),
        ).fetchone()
        return int(row["n"])

    def _estimate(self, sessions_ahead: int) -> float:
        return sessions_ahead * self.average_session_s() if sessions_ahead else 0.0
