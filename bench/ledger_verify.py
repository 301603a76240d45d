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
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import delete, func, select

from bench.machine import cpu_model
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
        t0 = time.perf_counter()
        with UnitOfWork(sessions, clock) as uow:
            report = verify(uow.session, checkpoints=[checkpoint], public_key=key.public_key())
        verify_s = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    print(" ".join(sys.argv))
    print(f"machine: {cpu_model()}")
    print(f"checkpoint over {checkpoint.tree_size:,} links: {signed_s:.1f} s")
    print(
        f"verify: {report.entries:,} entries in {verify_s:.1f} s "
        f"({report.entries / verify_s:,.0f} entries/s), ok={report.ok}, "
        f"peak RSS {peak_mib:,.0f} MiB"
    )
    if not report.ok:
        print("problems:", report.problems[:3])


if __name__ == "__main__":
    main()
