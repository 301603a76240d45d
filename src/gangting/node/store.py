"""The node's own SQLite file (var/booth-<code>.db): step keys, the outbox, the queue and
recent session durations. Survives a node restart; holds no personal data."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS step_keys (
    session_id TEXT NOT NULL, step TEXT NOT NULL, request_hash TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE, body TEXT, state TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL,
    PRIMARY KEY (session_id, step, request_hash, key)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, body TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE, state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, created_at REAL NOT NULL,
    last_status INTEGER, last_error TEXT, settled_at REAL
);
CREATE TABLE IF NOT EXISTS queue_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT, day TEXT NOT NULL, number INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting', taken_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS session_durations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, duration_s REAL NOT NULL, ended_at REAL NOT NULL
);
"""


class NodeStore:
    """One connection, serialised by a lock: the node is one process with few writers."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a key written is a key kept
        self._conn.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Columns added since a node's file was made (CREATE TABLE IF NOT EXISTS keeps an
        old table as it was)."""
        have = {row["name"] for row in self._conn.execute("PRAGMA table_info(outbox)")}
        if "settled_at" not in have:  # delivered-row pruning, outbox.prune_delivered
            self._conn.execute("ALTER TABLE outbox ADD COLUMN settled_at REAL")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
