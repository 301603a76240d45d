"""The small SQLite file each fake outside system keeps (stdlib sqlite3): one connection in
WAL mode shared by the threads of a process under a lock, its table made on open, each write
committed at once, so a demo or a test reads back what the fake received."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any


class SqliteFile:
    def __init__(self, path: Path, create_table: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(create_table)
        self._conn.commit()

    def write(self, sql: str, args: tuple[Any, ...] = ()) -> None:
        """Run one statement and commit it."""
        with self._lock:
            self._conn.execute(sql, args)
            self._conn.commit()

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, args).fetchall())

    def write_then_read(
        self, sql: str, args: tuple[Any, ...], query: str, query_args: tuple[Any, ...]
    ) -> list[tuple[Any, ...]]:
        """One statement committed, then a query, under one hold of the lock."""
        with self._lock:
            self._conn.execute(sql, args)
            self._conn.commit()
            return list(self._conn.execute(query, query_args).fetchall())

    def close(self) -> None:
        """Close the file (its connection and WAL handles); unusable after."""
        with self._lock:
            self._conn.close()
