"""Many writers never fork the chain: 16 writers in 4 processes on PostgreSQL append
entries at once, and the ledger verifies with no false alarm."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from gangting.audit import service as audit
from gangting.audit.models import AuditEntry, LedgerLink
from gangting.audit.verify import verify
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory

PROCESSES, THREADS, UNITS, ENTRIES = 4, 4, 15, 3


def _writer_process(url: str, process: int) -> None:
    engine = make_engine(url, pool_size=THREADS, max_overflow=0)
    sessions = session_factory(engine)
    clock = FixedClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))

    def write(thread: int) -> None:
        for unit in range(UNITS):
            with UnitOfWork(sessions, clock) as uow:
                for n in range(ENTRIES):
                    audit.record(
                        uow, SYSTEM, "test.concurrent", "writer", f"{process}-{thread}-{unit}-{n}"
                    )

    threads = [threading.Thread(target=write, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()


def test_sixteen_writers_in_four_processes_keep_one_chain(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time by construction; the race is PostgreSQL's")
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(target=_writer_process, args=(database_url, p)) for p in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
        assert w.exitcode == 0
    engine = make_engine(database_url)
    with UnitOfWork(session_factory(engine), FixedClock(datetime.now(UTC))) as uow:
        report = verify(uow.session)
        written = uow.session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "test.concurrent")
        ).scalar_one()
        last = uow.session.execute(select(func.max(LedgerLink.seq))).scalar_one()
    engine.dispose()
    assert written == PROCESSES * THREADS * UNITS * ENTRIES
    assert report.ok, report.problems
    assert report.entries == last == written
