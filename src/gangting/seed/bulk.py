"""Fast insertion of generated rows: PostgreSQL COPY (psycopg 3) or SQLite executemany in
big transactions with synchronous=OFF. Rows are tuples in a given column order; values
are Python objects (UUID, date, aware UTC datetime, bool, list for JSON columns).

On SQLite each value goes through the column type's own bind processor, so what is
stored is exactly what the ORM would store (hex UUIDs, ISO dates, naive-UTC datetimes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, cast

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Engine, Table

from gangting.kernel.db import Base

Row = tuple[object, ...]


class BulkWriter:
    """One raw connection for the whole load; ``commit()`` after each chunk."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.postgres = engine.dialect.name == "postgresql"
        self._raw = engine.raw_connection()
        dbapi = self._raw.driver_connection
        if dbapi is None:
            raise RuntimeError("no DBAPI connection")
        self._dbapi: Any = dbapi  # sqlite3.Connection or psycopg.Connection
        self._processors: dict[str, list[Callable[[Any], Any] | None]] = {}
        self._in_tx = False
        if not self.postgres:
            cur = self._dbapi.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.close()

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()
        self.close()

    def _begin(self) -> None:
        if not self._in_tx and not self.postgres:
            # The engine puts sqlite3 in autocommit mode; open one big transaction.
            self._dbapi.execute("BEGIN IMMEDIATE")
        self._in_tx = True

    def write(self, model: type[Base], columns: Sequence[str], rows: Sequence[Row]) -> int:
        """Insert ``rows`` (tuples in ``columns`` order) into the model's table."""
        if not rows:
            return 0
        table = cast(Table, model.__table__)
        self._begin()
        if self.postgres:
            self._copy(table, columns, rows)
        else:
            self._executemany(table, columns, rows)
        return len(rows)

    def _copy(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        names = ", ".join(f'"{c}"' for c in columns)
        with self._dbapi.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                if json_at:
                    for row in rows:
                        values = list(row)
                        for i in json_at:
                            values[i] = Jsonb(values[i])
                        copy.write_row(values)
                else:
                    for row in rows:
                        copy.write_row(row)

    def _processors_for(self, table: Table, columns: Sequence[str]) -> list[Any]:
        key = table.name + ":" + ",".join(columns)
        procs = self._processors.get(key)
        if procs is None:
            procs = [
                table.c[c].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                for c in columns
            ]
            self._processors[key] = procs
        return procs

    def _executemany(self, table: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
        procs = self._processors_for(table, columns)
        active = [(i, p) for i, p in enumerate(procs) if p is not None]

        def convert(row: Row) -> list[Any]:
            values = list(row)
            for i, proc in active:
                if values[i] is not None:
                    values[i] = proc(values[i])
            return values

        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        cur = self._dbapi.cursor()
        cur.executemany(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', map(convert, rows)
        )
        cur.close()

    def commit(self) -> None:
        if self._in_tx:
            if self.postgres:
                self._dbapi.commit()
            else:
                self._dbapi.execute("COMMIT")
        self._in_tx = False

    def rollback(self) -> None:
        if self._in_tx:
            if self.postgres:
                self._dbapi.rollback()
            else:
                self._dbapi.execute("ROLLBACK")
        self._in_tx = False

    def close(self) -> None:
        if not self.postgres:
            cur = self._dbapi.cursor()
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        self._raw.close()
