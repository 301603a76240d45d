"""A tiny durable document store for the fake outside systems (stdlib sqlite3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gangting.integrations.sqlite_file import SqliteFile

_GET = "SELECT body FROM docs WHERE id = ?"


class DocumentStore:
    def __init__(self, path: Path) -> None:
        self._file = SqliteFile(
            path, "CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, body TEXT)"
        )

    def close(self) -> None:
        """Close the file (its connection and WAL handles); the store is unusable after."""
        self._file.close()

    def get(self, doc_id: str) -> dict[str, Any] | None:
        rows = self._file.rows(_GET, (doc_id,))
        return dict(json.loads(rows[0][0])) if rows else None

    def put_new(self, doc_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Insert unless present; returns the stored document (the first one wins)."""
        rows = self._file.write_then_read(
            "INSERT OR IGNORE INTO docs (id, body) VALUES (?, ?)",
            (doc_id, json.dumps(body, ensure_ascii=False)),
            _GET,
            (doc_id,),
        )
        return dict(json.loads(rows[0][0]))

    def replace(self, doc_id: str, body: dict[str, Any]) -> None:
        self._file.write(
            "INSERT OR REPLACE INTO docs (id, body) VALUES (?, ?)",
            (doc_id, json.dumps(body, ensure_ascii=False)),
        )
