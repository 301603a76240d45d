"""Verifying the audit ledger at scale on PostgreSQL: time and peak memory (issue 11 §5).

    .venv/bin/python -m bench.ledger_verify \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/gangting_ledger \
        --entries 10000000

Fills an empty, migrated database with ``--entries`` sealed audit entries and their chain
(the application's own sealing and link functions, written with COPY), signs a checkpoint
over them, then times ``gangting.audit.verify.verify`` over the whole ledger in this
process and reports entries per second and the process's peak resident memory. The fill
is skipped when the ledger already holds the entries (``--fill-only`` stops after it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import delete, func, select

from bench.machine import cpu_model, rss_and_cpu
from bench.pools import plain_url
from gangting.audit.checkpoints import make_checkpoint
from gangting.audit.ledger import GENESIS, link_hash, sealed
from gangting.audit.models import LedgerCheckpoint, LedgerLink
from gangting.audit.verify import verify
from gangting.kernel.checkpoint import load_or_create_key
from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.ids import new_id
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.migrate import upgrade

START = datetime(2026, 1, 1, tzinfo=UTC)
ACTIONS = ("identity.checked", "application.process_violations.completed", "payment.created")


def fill(url: str, entries: int) -> float:
    """COPY ``entries`` sealed entries, then their links; seconds taken. Between the two
    passes only each entry's id and body hash are kept (32 + 16 bytes a row)."""
    t0 = time.perf_counter()
    kept = bytearray()
    with psycopg.connect(plain_url(url)) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY audit_entries (id, at, actor_kind, actor_id, booth_id, action, subject_kind, "
            "subject_id, reason, data, body, body_hash) FROM STDIN"
        ) as copy:
            for n in range(entries):
                values = sealed(
                    {
                        "id": new_id(),
                        "at": START + timedelta(milliseconds=n),
                        "actor_kind": "booth",
                        "actor_id": f"BT-KDL-{n % 40:03d}",
                        "booth_id": None,
                        "action": ACTIONS[n % len(ACTIONS)],
                        "subject_kind": "application",
                        "subject_id": f"SL{n:012d}",
                        "reason": None,
                        "data": {"n": n},
                    }
                )
                copy.write_row(
                    (
                        values["id"],
                        values["at"],
                        values["actor_kind"],
                        values["actor_id"],
                        None,
                        values["action"],
                        values["subject_kind"],
                        values["subject_id"],
                        None,
                        json.dumps(values["data"]),
                        values["body"],
                        values["body_hash"],
                    )
                )
                kept += values["id"].bytes + bytes.fromhex(str(values["body_hash"]))
        prev = GENESIS
        with cur.copy("COPY ledger_links (seq, entry_id, prev_hash, link_hash) FROM STDIN") as copy:
            for n in range(entries):
                at = 48 * n
                entry_id = uuid.UUID(bytes=bytes(kept[at : at + 16]))
                current = link_hash(prev, kept[at + 16 : at + 48].hex())
                copy.write_row((n + 1, entry_id, prev, current))
                prev = current
        conn.commit()
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE audit_entries")
        conn.execute("VACUUM ANALYZE ledger_links")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--runs", type=int, default=1, help="clean verifications to time")
    parser.add_argument("--chunk", type=int, default=65_536)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--tamper", type=int, default=0, metavar="SEQ", help="then edit entry SEQ, time again"
    )
    args = parser.parse_args()

    engine = make_engine(args.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    clock = FixedClock(datetime.now(UTC))
    with UnitOfWork(sessions, clock) as uow:
        have = uow.session.execute(select(func.count()).select_from(LedgerLink)).scalar_one()
    if have == 0:
        seconds = fill(args.database_url, args.entries)
        print(f"filled {args.entries:,} entries and links in {seconds:.1f} s")
    elif have != args.entries:
        sys.exit(f"the ledger holds {have:,} entries, not {args.entries:,}: use an empty database")
    if args.fill_only:
        return
    with tempfile.TemporaryDirectory() as tmp:
        key = load_or_create_key(Path(tmp) / "key.pem")
        with UnitOfWork(sessions, clock) as uow:
            # a fresh key each run: an earlier run's checkpoint is not ours to verify against
            uow.session.execute(delete(LedgerCheckpoint))
            t0 = time.perf_counter()
            checkpoint = make_checkpoint(uow.session, key, clock.now(), Path(tmp) / "cp.jsonl")
            signed_s = time.perf_counter() - t0
        assert checkpoint is not None
        print(" ".join(sys.argv))
        print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, PostgreSQL {_pg_version(engine)}")
        print(f"checkpoint over {checkpoint.tree_size:,} links: {signed_s:.1f} s")
        for _ in range(args.runs):
            _timed(sessions, clock, checkpoint, key, args, "clean")
        if args.tamper:
            with psycopg.connect(plain_url(args.database_url), autocommit=True) as conn:
                row = conn.execute(
                    "SELECT e.id, e.reason FROM ledger_links l JOIN audit_entries e "
                    "ON e.id = l.entry_id WHERE l.seq = %s",
                    (args.tamper,),
                ).fetchone()
                assert row is not None
                conn.execute("UPDATE audit_entries SET reason = 'forged' WHERE id = %s", (row[0],))
                try:
                    _timed(sessions, clock, checkpoint, key, args, f"entry {args.tamper} edited")
                finally:
                    conn.execute(
                        "UPDATE audit_entries SET reason = %s WHERE id = %s", (row[1], row[0])
                    )
    engine.dispose()


def _pg_version(engine: Any) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW server_version").scalar())


class _Sampler(threading.Thread):
    """Peak RSS of this process and of the database's backends for this database (their
    RSS counts the shared buffers they touched), every 0.2 s."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.own = self.backends = 0
        self.conn = psycopg.connect(plain_url(self.url), autocommit=True)
        # CPU ticks of each backend: when first seen (before verify: its start), the last
        self.first: dict[int, int] = {p: rss_and_cpu([p])[1] for p in self._pids()}
        self.last: dict[int, int] = dict(self.first)

    def _pids(self) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ]

    def run(self) -> None:
        with self.conn:
            while not self.stop.wait(0.2):
                pids = self._pids()
                self.own = max(self.own, rss_and_cpu([os.getpid()])[0])
                self.backends = max(self.backends, rss_and_cpu(pids)[0])
                for p in pids:
                    self.last[p] = rss_and_cpu([p])[1]

    def backend_cpu_s(self) -> float:
        ticks = sum(t - self.first.get(p, 0) for p, t in self.last.items())
        return ticks / os.sysconf("SC_CLK_TCK")


def _timed(
    sessions: Any, clock: Any, checkpoint: Any, key: Any, args: argparse.Namespace, what: str
) -> None:
    before = rss_and_cpu([os.getpid()])[0]
    sampler = _Sampler(args.database_url)
    sampler.start()
    load0 = os.getloadavg()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    with UnitOfWork(sessions, clock) as uow:
        report = verify(
            uow.session,
            checkpoints=[checkpoint],
            public_key=key.public_key(),
            chunk=args.chunk,
            workers=args.workers,
        )
    verify_s = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    load1 = os.getloadavg()
    sampler.stop.set()
    sampler.join()
    own_cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"verify ({what}, chunk {args.chunk}, {args.workers} workers): {report.entries:,} "
        f"entries in {verify_s:.1f} s ({report.entries / verify_s:,.0f} entries/s), "
        f"ok={report.ok}; RSS during verify: this process {sampler.own / 2**20:,.0f} MiB "
        f"({before / 2**20:,.0f} MiB before it) "
        f"(peak of the process ever {peak_mib:,.0f} MiB), the database's backends "
        f"{sampler.backends / 2**20:,.0f} MiB together; load average "
        f"{load0[0]:.2f} -> {load1[0]:.2f}",
        flush=True,
    )
    print(
        f"   CPU during verify: this process {own_cpu:.1f} s, the database's backends "
        f"{sampler.backend_cpu_s():.1f} s: {own_cpu + sampler.backend_cpu_s():.1f} core-seconds "
        f"in all, {(own_cpu + sampler.backend_cpu_s()) / 2:.1f} s on two idle cores at best",
        flush=True,
    )
    if not report.ok:
        print("   first problem:", report.problems[0])


if __name__ == "__main__":
    main()
