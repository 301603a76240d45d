"""Runs of the ledger's verification, recorded (issue 11 §4): ``gangting audit verify`` and
the worker's daily ``audit.verify`` call ``verify_and_record``, which runs
``audit.verify.verify`` (its public function only) and stores what it found as a
``LedgerVerification`` row; ``ledger_state`` gives the supervision screen the last signed
checkpoint and the last run without walking the chain."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gangting.audit.models import LedgerCheckpoint, LedgerLink, LedgerVerification
from gangting.audit.verify import Report, verify
from gangting.kernel.checkpoint import Checkpoint

# How many problems a run keeps beside the first (verify stops at the first bad link, but
# bound rows that no longer match are each a problem).
PROBLEMS_KEPT = 50
BY = ("cli", "worker")


@dataclass(frozen=True)
class Recorded:
    report: Report
    run: LedgerVerification


def record_verification(
    session: Session,
    report: Report,
    *,
    started_at: datetime,
    seconds: float,
    by: str,
    checkpoints: int,
) -> LedgerVerification:
    """Store one run's outcome (flushed, not committed)."""
    if by not in BY:
        raise ValueError(f"unknown verifier {by!r}")
    first = report.problems[0] if report.problems else None
    run = LedgerVerification(
        started_at=started_at,
        seconds=round(seconds, 3),
        by=by,
        ok=report.ok,
        entries=report.entries,
        head_hash=report.head_hash,
        checkpoints=checkpoints,
        bound_rows=report.bound_rows,
        unbound_rows=dict(report.unbound_rows),
        first_kind=None if first is None else first.kind,
        first_seq=None if first is None else first.seq,
        first_entry_id=None if first is None else first.entry_id,
        first_message=None if first is None else first.message,
        problems=[
            {"kind": p.kind, "seq": p.seq, "entry_id": p.entry_id, "message": p.message}
            for p in report.problems[:PROBLEMS_KEPT]
        ],
    )
    session.add(run)
    session.flush()
    return run


def verify_and_record(
    session: Session,
    *,
    at: datetime,
    by: str,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> Recorded:
    """Verify the ledger (``audit.verify.verify``) and record the run, timed by ``timer``."""
    began = timer()
    report = verify(session, checkpoints=checkpoints, public_key=public_key)
    seconds = timer() - began
    run = record_verification(
        session,
        report,
        started_at=at,
        seconds=seconds,
        by=by,
        checkpoints=len(checkpoints),
    )
    return Recorded(report, run)


RECENT_RUNS = 10


def recent_verifications(session: Session, limit: int = RECENT_RUNS) -> list[LedgerVerification]:
    """The newest runs first."""
    return list(
        session.execute(
            select(LedgerVerification)
            .order_by(LedgerVerification.started_at.desc(), LedgerVerification.id.desc())
            .limit(limit)
        ).scalars()
    )


def last_verification(session: Session) -> LedgerVerification | None:
    runs = recent_verifications(session, 1)
    return runs[0] if runs else None


def verification_view(run: LedgerVerification) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "started_at": run.started_at.isoformat(),
        "seconds": run.seconds,
        "by": run.by,
        "ok": run.ok,
        "entries": run.entries,
        "head_hash": run.head_hash,
        "checkpoints": run.checkpoints,
        "bound_rows": run.bound_rows,
        "unbound_rows": dict(run.unbound_rows or {}),
        "first_problem": None
        if run.first_kind is None
        else {
            "kind": run.first_kind,
            "seq": run.first_seq,
            "entry_id": run.first_entry_id,
            "message": run.first_message or "",
        },
        "problems": len(run.problems or []),
    }


def ledger_state(session: Session) -> dict[str, Any]:
    """The ledger as the screen shows it: its size now, the last signed checkpoint, the last
    verification run (None where there has been none) and the recent runs. Three small
    queries; the chain is not walked."""
    size = session.execute(select(func.max(LedgerLink.seq))).scalar_one_or_none() or 0
    checkpoint = session.execute(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size.desc()).limit(1)
    ).scalar_one_or_none()
    runs = recent_verifications(session)
    run = runs[0] if runs else None
    return {
        "size": int(size),
        "last_checkpoint": None
        if checkpoint is None
        else {
            "tree_size": checkpoint.tree_size,
            "root": checkpoint.root,
            "root_prefix": checkpoint.root[:16],
            "signed_at": checkpoint.at.isoformat(),
            "key_id": checkpoint.key_id,
            "behind": max(0, int(size) - checkpoint.tree_size),
        },
        "last_verification": None if run is None else verification_view(run),
        "recent_verifications": [verification_view(r) for r in runs],
    }
