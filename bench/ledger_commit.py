"""The ledger's cost per commit on one connection, with no other load (issue 11 §5).

Two loops, each on one connection to a migrated database (the seeded city works):
- ``commit``: N transactions, each writing 3 audit entries, then committing (the linking at
  commit: statements per transaction, client CPU, time in ``commit()``);
- ``bind``: N times, binding 2 penalty decisions, 1 payment, 1 payment item and 1 licence as
  the commit does (``_bind_rows``), then rolling back.

The commit loop leaves N × 3 ``bench.micro`` entries, linked, in the database."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

import gangting.all_models  # noqa: F401  (the bound models)
from gangting.audit import ledger
from gangting.kernel.ids import new_id


def _entry(i: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "at": datetime.now(UTC),
        "actor_kind": "system",
        "actor_id": "bench-ledger",
        "booth_id": None,
        "action": "bench.micro",
        "subject_kind": "bench",
        "subject_id": str(i),
        "reason": None,
        "data": {"i": i},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    engine = create_engine(args.database_url)
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    for _phase in ("warm-up", "measured"):
        statements[0] = 0
        t0, c0, in_commit = time.perf_counter(), time.process_time(), 0.0
        for i in range(args.n):
            with Session(engine) as session:
                ledger.write_entries(session, [_entry(i), _entry(i), _entry(i)])
                t = time.perf_counter()
                session.commit()
                in_commit += time.perf_counter() - t
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"commit: {args.n} tx of 3 entries  wall {wall / args.n * 1e3:.2f} ms/tx"
        f"  client CPU {cpu / args.n * 1e3:.2f} ms/tx  in commit() {in_commit / args.n * 1e3:.2f}"
        f" ms/tx  statements {statements[0] / args.n:.1f}/tx"
    )
    with engine.connect() as conn:
        ids = {
            table: [r[0] for r in conn.execute(text(f"SELECT id FROM {table} LIMIT {k}"))]
            for table, k in (
                ("penalty_decisions", 2),
                ("payments", 1),
                ("payment_items", 1),
                ("driving_licences", 1),
            )
        }
    for _phase in ("warm-up", "measured"):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            with Session(engine) as session:
                session.info["ledger_bound"] = {(t, (x,)) for t, xs in ids.items() for x in xs}
                ledger._bind_rows(session)
                session.info.pop("ledger_pending", None)
                session.rollback()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"bind: {sum(map(len, ids.values()))} rows  wall {wall / args.n * 1e3:.2f} ms"
        f"  client CPU {cpu / args.n * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
