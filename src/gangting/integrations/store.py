"""A tiny durable document store for the fake outside systems (stdlib sqlite3)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


class DocumentStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, body TEXT)")
        self._conn.commit()

    def close(self) -> None:
        """Close the file (its connection and WAL handles); the store is unusable after."""
        with self._lock:
            self._conn.close()

    def get(self, doc_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put_new(self, doc_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Insert unless present; returns the stored document (the first one wins)."""
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO docs (id, body) VALUES (?, ?)",
                (doc_id, json.dumps(body, ensure_ascii=False)),
            )
            self._conn.commit()
            row = self._conn.execute("SELECT body FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return dict(json.loads(row[0]))

    def replace(self, doc_id: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO docs (id, body) VALUES (?, ?)",
                (doc_id, json.dumps(body, ensure_ascii=False)),
            )
            self._conn.commit()
