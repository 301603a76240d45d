"""Fault test: the server process is SIGKILLed and restarted while booths retry.

Booths process violations, pay fines and renew licences against the real server (a uvicorn
subprocess). A killer thread SIGKILLs it at random moments and restarts it; every booth
retries the same request with the same Idempotency-Key until it gets a definitive answer.
Two scripted kills hit the payment's two dangerous windows exactly (pending order written
but the platform not yet asked; platform paid but the payment not yet settled). Afterwards
the database must show one effect per key: each decision once, its points once, each
payment once, each renewal once, and nothing half-written.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.fines.models import Payment, PenaltyDecision
from gangting.kernel.db import make_engine
from gangting.kernel.idempotency import IdempotencyRecord
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.models import DrivingLicence
from gangting.points.models import PointEntry
from gangting.violations.models import Violation
from tests import builders
from tests.conftest import NOW
from tests.desks.killable import (
    BoothClient,
    PgRowLock,
    Server,
    SqliteWriteLock,
    Tally,
    Unfinished,
    payments_and_items,
    platform_has,
    wait_for,
)

pytestmark = pytest.mark.slow

BOOTHS = ("BT-KDL-001", "BT-KDL-002")
WORKERS = 4
RANDOM_KILLS = 6  # at least; the killer goes on while the booths work, up to MAX_KILLS
MAX_KILLS = 10
THINK_S = 0.4  # up to this long before each request: spreads the work over the kills
# The whole chaos phase; it ends when the booths are done (~80 s on a quick machine), and a
# slower one (an EPYC VM took over 86 s) still has room.
DEADLINE_S = 160.0
PAYMENT_PATH = "/api/v1/payments"
RENEWAL_PATH = "/api/v1/licences/renewal"
PROCESS_PATH = "/api/v1/violations/process"
PAYMENT_ROW = "SELECT id FROM payments WHERE payment_no = :n FOR UPDATE"


# --------------------------------------------------------------------------- the server


# --------------------------------------------------------------------------- the data


@dataclass
class Person:
    index: int
    id_number: str
    citizen_id: uuid.UUID
    violation_refs: list[str]
    overdue_decision_nos: list[str]
    renew: bool
    serial_before: int
    booth: str
    keys: dict[str, str] = field(default_factory=dict)


def _build(engine: Engine) -> list[Person]:
    from gangting.kernel.clock import FixedClock
    from gangting.kernel.unit_of_work import session_factory

    people: list[Person] = []
    with UnitOfWork(session_factory(engine), FixedClock(NOW)) as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        for code in BOOTHS:
            builders.booth(uow, kdl, code=code)
        for i in range(24):
            drives = i < 20  # 20 citizens with a car and camera violations
            renew = i >= 14  # 10 citizens whose licence expires within 90 days
            expires = date(2027, 1, 10) + (i % 5) * (date(2027, 1, 2) - date(2027, 1, 1))
            person = builders.citizen(
                uow,
                birth=date(1970 + i, 1 + i % 12, 10),
                valid_from=date(expires.year - 10, expires.month, expires.day),
                expires_on=expires if renew else date(2030, 3, 15),
            )
            refs: list[str] = []
            overdue: list[str] = []
            if drives:
                car = builders.vehicle(uow, person, f"蒙BF{i:04d}")
                refs.append(builders.violation(uow, car, "1625").ref)  # 6 points
                if i % 2:
                    refs.append(builders.violation(uow, car, "1344", days_ago=10).ref)  # 1 point
                if i % 5 == 0:  # an old unpaid decision: the payment carries a late fee
                    overdue.append(
                        builders.overdue_decision(
                            uow,
                            person,
                            car,
                            date(2010, 3, 15),
                            decided_on=date(2026, 10, 12),
                            points=1,
                        ).decision_no
                    )
            people.append(
                Person(
                    index=i,
                    id_number=person.id_number,
                    citizen_id=person.id,
                    violation_refs=refs,
                    overdue_decision_nos=overdue,
                    renew=renew,
                    serial_before=0,
                    booth=BOOTHS[i % len(BOOTHS)],
                )
            )
    return people


# --------------------------------------------------------------------------- the booths


def _serve_person(booth: BoothClient, p: Person, tally: Tally) -> None:
    p.keys = {
        step: f"{step}-{p.index}-{uuid.uuid4().hex[:12]}" for step in ("id", "k1", "k2", "k3")
    }
    status, body = booth.identify(p.id_number, p.keys["id"])
    assert status == 200, (p.index, status, body)
    identity = body["identity_token"]
    decision_nos = list(p.overdue_decision_nos)
    if p.violation_refs:
        status, body = booth.write(
            PROCESS_PATH, {"violation_refs": p.violation_refs}, p.keys["k1"], identity
        )
        if status != 200:
            tally.errors.append(f"process {p.index}: {status} {body}")
            return
        decision_nos += [d["decision_no"] for d in body["decisions"]]
        pay = {"decision_nos": decision_nos, "payer_code": f"QR-{p.index}"}
        while True:
            status, body = booth.write(PAYMENT_PATH, pay, p.keys["k2"], identity)
            if status == 201 and body.get("state") == "pending":
                tally.add("retry.payment_pending")
                booth._pause()
                continue
            break
        if status != 201 or body.get("state") != "succeeded":
            tally.errors.append(f"payment {p.index}: {status} {body}")
    if p.renew:
        status, body = booth.write(RENEWAL_PATH, _renewal_body(p), p.keys["k3"], identity)
        if status != 200:
            tally.errors.append(f"renewal {p.index}: {status} {body}")
    tally.add("citizens_done")


def _renewal_body(p: Person) -> dict[str, Any]:
    return {
        "health_certificate": {
            "certificate_no": f"TJ2026{p.index:06d}",
            "institution": "包头市第一医院",
            "issued_on": "2026-11-01",
        }
    }


def _request_of(p: Person, step: str) -> tuple[str, dict[str, Any]] | None:
    if step == "id":
        return None  # not keyed: a new nonce, a new signature, a new token
    if step == "k1" and p.violation_refs:
        return PROCESS_PATH, {"violation_refs": p.violation_refs}
    if step == "k2" and p.violation_refs:
        return None  # replayed separately: the body needs the decision numbers
    if step == "k3" and p.renew:
        return RENEWAL_PATH, _renewal_body(p)
    return None


def _same(a: Any, b: Any) -> bool:
    def strip(x: Any) -> Any:
        return {k: v for k, v in x.items() if k != "notice"} if isinstance(x, dict) else x

    return bool(strip(a) == strip(b))


# --------------------------------------------------------------------------- scripted kills


def _pending_payment_of(engine: Engine, p: Person) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Payment.payment_no).where(
                Payment.citizen_id == p.citizen_id, Payment.state == "pending"
            )
        ).scalar_one_or_none()


def _scripted_payment_kill(
    server: Server,
    engine: Engine,
    database_url: str,
    p: Person,
    tally: Tally,
    *,
    after_platform: bool,
) -> None:
    """Kill the server inside one payment at an exact point, then retry the same key."""
    deadline = time.monotonic() + 40
    booth = BoothClient(server.base_url, p.booth, tally, deadline)
    try:
        p.keys = {s: f"{s}-{p.index}-{uuid.uuid4().hex[:12]}" for s in ("id", "k1", "k2", "k3")}
        _, body = booth.identify(p.id_number, p.keys["id"])
        identity = body["identity_token"]
        status, body = booth.write(
            PROCESS_PATH, {"violation_refs": p.violation_refs}, p.keys["k1"], identity
        )
        assert status == 200, body
        pay = {
            "decision_nos": p.overdue_decision_nos + [d["decision_no"] for d in body["decisions"]],
            "payer_code": f"QR-{p.index}",
        }
        result: dict[str, Any] = {}

        def first_try() -> None:
            try:
                headers = {
                    "Authorization": f"Bearer {booth.token}",
                    "Idempotency-Key": p.keys["k2"],
                    "X-Identity-Token": identity,
                }
                result["r"] = httpx.post(
                    f"{server.base_url}{PAYMENT_PATH}", json=pay, headers=headers, timeout=30
                )
            except httpx.TransportError as exc:
                result["error"] = exc

        platform_lock = SqliteWriteLock(server.var_dir / "fake_payment_platform.db")
        main_lock: SqliteWriteLock | PgRowLock | None = None
        sender = threading.Thread(target=first_try)
        try:
            sender.start()
            # The pending payment is committed; the server now stalls inside create_order.
            payment_no = wait_for(lambda: _pending_payment_of(engine, p), 15, "the pending payment")
            if after_platform:
                # _settle's first (read) unit of work takes ms on an idle server; then it
                # stalls in create_order. Only then may SQLite's write lock be taken, or
                # the read would wait on it instead.
                time.sleep(0.5)
                main_lock = (
                    SqliteWriteLock(database_url.split("///", 1)[1])
                    if database_url.startswith("sqlite")
                    else PgRowLock(engine, PAYMENT_ROW, n=payment_no)
                )
                platform_lock.release()  # the platform takes the order; settling waits on us
                wait_for(lambda: platform_has(server.var_dir, payment_no), 15, "platform order")
            time.sleep(0.3)
            server.kill()
        finally:
            if main_lock is not None:
                main_lock.release()
            if not after_platform:
                platform_lock.release()
        sender.join(timeout=20)
        assert "error" in result, f"the killed request answered: {result}"
        tally.add("retry.transport")
        tally.add(f"scripted_kill.{'after' if after_platform else 'before'}_platform")
        assert _pending_payment_of(engine, p) == payment_no  # the window we aimed at
        assert platform_has(server.var_dir, payment_no) is after_platform
        server.start()
        status, body = booth.write(PAYMENT_PATH, pay, p.keys["k2"], identity)
        assert status == 201, body
        assert body["state"] == "succeeded", body
        assert body["payment_no"] == payment_no
        tally.add("retried_requests")
        tally.add("citizens_done")
    finally:
        booth.close()


# --------------------------------------------------------------------------- the test


def test_kill_restart_retries_give_one_effect_per_key(database_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    engine = make_engine(database_url)
    people = _build(engine)
    with engine.connect() as conn:
        serials = dict(
            conn.execute(select(DrivingLicence.citizen_id, DrivingLicence.serial_no)).all()
        )
    for p in people:
        p.serial_before = serials[p.citizen_id]
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    server = Server(database_url, var_dir)
    tally = Tally()
    rng = random.Random()
    scripted = [people[1], people[3]]  # both drive, pay and (not) renew
    chaotic = [p for p in people if p not in scripted]
    try:
        server.start()

        # 1. Exact kills inside the payment's two windows.
        _scripted_payment_kill(
            server, engine, database_url, scripted[0], tally, after_platform=False
        )
        _scripted_payment_kill(
            server, engine, database_url, scripted[1], tally, after_platform=True
        )

        # 2. Random kills while four booths work.
        scripted_kills = server.kills
        deadline = time.monotonic() + DEADLINE_S - (time.monotonic() - started)
        queue = list(chaotic)
        rng.shuffle(queue)
        queue_lock = threading.Lock()
        workers_done = threading.Event()
        killer_errors: list[BaseException] = []

        def worker(n: int) -> None:
            booth = BoothClient(server.base_url, BOOTHS[n % len(BOOTHS)], tally, deadline)
            booth.think_s = THINK_S
            try:
                while True:
                    with queue_lock:
                        mine = next((p for p in queue if p.booth == booth.code), None)
                        if mine is None:
                            return
                        queue.remove(mine)
                    _serve_person(booth, mine, tally)
            except Unfinished:
                tally.errors.append(f"worker {n}: no definitive answer before the deadline")
            except AssertionError as exc:
                tally.errors.append(f"worker {n}: {exc}")
            finally:
                booth.close()

        def killer() -> None:
            try:
                while server.kills - scripted_kills < RANDOM_KILLS or (
                    not workers_done.is_set() and server.kills - scripted_kills < MAX_KILLS
                ):
                    time.sleep(rng.uniform(0.3, 1.5))
                    busy = not workers_done.is_set()
                    server.kill()
                    if busy:
                        tally.add("kills_during_work")
                    time.sleep(rng.uniform(0.0, 0.5))  # booths hammer a dead port meanwhile
                    server.start()
            except BaseException as exc:
                killer_errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=DEADLINE_S + 20)
        workers_done.set()
        kill_thread.join(timeout=60)
        assert not killer_errors, killer_errors
        assert not kill_thread.is_alive(), "killer did not finish"
        assert not any(t.is_alive() for t in threads), "a booth worker hung"
        if server.proc is None or server.proc.poll() is not None:
            server.start()

        # 3. Replay every key once more after the storm: same key, same answer.
        replay_deadline = time.monotonic() + 20
        for code in BOOTHS:
            booth = BoothClient(server.base_url, code, tally, replay_deadline)
            try:
                for p in people:
                    if p.booth != code or not p.keys:
                        continue
                    first_id = next(
                        (
                            b["identity_token"]
                            for s, b in tally.answers.get(p.keys["id"], [])
                            if s == 200
                        ),
                        None,
                    )
                    if first_id is None:  # cut off before its identity answer: already an error
                        continue
                    for step in ("k1", "k3"):  # identity checks are not keyed: new token each
                        req = _request_of(p, step)
                        if req is not None:
                            booth.write(req[0], req[1], p.keys[step], first_id)
                    if p.violation_refs:
                        decided = tally.answers[p.keys["k1"]][0][1]
                        pay = {
                            "decision_nos": p.overdue_decision_nos
                            + [d["decision_no"] for d in decided["decisions"]],
                            "payer_code": f"QR-{p.index}",
                        }
                        booth.write(PAYMENT_PATH, pay, p.keys["k2"], first_id)
            finally:
                booth.close()
    finally:
        server.stop()

    elapsed = time.monotonic() - started
    print(
        f"\n[{database_url.split(':')[0]}] {elapsed:.1f}s, starts={server.starts} "
        f"kills={server.kills} counts={dict(sorted(tally.counts.items()))} "
        f"server tracebacks={server.log_path.read_text(errors='replace').count('Traceback')}"
    )
    assert not tally.errors, tally.errors
    assert tally.counts["citizens_done"] == len(people)
    assert server.kills >= RANDOM_KILLS + 2 and server.starts >= server.kills + 1
    assert tally.counts["retried_requests"] > 0
    assert tally.counts["retry.transport"] > 0
    assert tally.counts["kills_during_work"] >= 3

    # Same key, same definitive answer (a pending payment answer is not definitive).
    # Identity checks are deliberately not idempotency-keyed (no stored bearer tokens).
    for key, got in tally.answers.items():
        if key == "id" or key.startswith("id-"):
            continue
        final = [
            (s, b) for s, b in got if not (isinstance(b, dict) and b.get("state") == "pending")
        ]
        assert final, key
        assert all(s == final[0][0] and _same(b, final[0][1]) for s, b in final), (key, got)
        assert 200 <= final[0][0] < 300, (key, final[0])

    _check_database(engine, people)
    engine.dispose()


# --------------------------------------------------------------------------- the invariants


def _check_database(engine: Engine, people: list[Person]) -> None:
    with engine.connect() as conn:
        by_citizen = {p.citizen_id: p for p in people}
        violations = conn.execute(select(Violation.id, Violation.ref, Violation.state)).all()
        decisions = conn.execute(
            select(
                PenaltyDecision.id,
                PenaltyDecision.decision_no,
                PenaltyDecision.violation_id,
                PenaltyDecision.citizen_id,
                PenaltyDecision.points,
                PenaltyDecision.fine_fen,
                PenaltyDecision.late_fee_paid_fen,
                PenaltyDecision.state,
            )
        ).all()
        per_violation = Counter(d.violation_id for d in decisions)
        asked = {ref for p in people for ref in p.violation_refs}
        for v in violations:
            if v.ref in asked:
                assert per_violation[v.id] == 1, f"violation {v.ref}: {per_violation[v.id]}"
                assert v.state == "decided", v
            else:
                assert per_violation[v.id] <= 1, v

        entries = conn.execute(
            select(PointEntry.source_id, PointEntry.points, PointEntry.citizen_id).where(
                PointEntry.source_kind == "decision"
            )
        ).all()
        ledger = Counter(e.source_id for e in entries)
        points_of = {e.source_id: e.points for e in entries}
        for d in decisions:
            assert ledger[d.decision_no] == 1, f"{d.decision_no} in ledger {ledger[d.decision_no]}x"
            assert points_of[d.decision_no] == d.points
        assert len(entries) == len(decisions), "a ledger line without a decision"

        payments, items = payments_and_items(conn)
        items_of: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for it in items:
            items_of[it.payment_id].append(it)
        for pay in payments:
            assert items_of[pay.id], f"payment {pay.payment_no} has no items (half-written)"
            assert pay.amount_fen == sum(i.fine_fen + i.late_fee_fen for i in items_of[pay.id])
        assert {pay.state for pay in payments} <= {"succeeded"}, Counter(p.state for p in payments)
        succeeded = {pay.id for pay in payments if pay.state == "succeeded"}
        paid_by = Counter(it.decision_id for it in items if it.payment_id in succeeded)
        for d in decisions:
            assert paid_by[d.id] == 1, f"decision {d.decision_no} paid {paid_by[d.id]}x"
            assert d.state == "paid", d
        assert sum(pay.amount_fen for pay in payments if pay.id in succeeded) == sum(
            d.fine_fen + d.late_fee_paid_fen for d in decisions if d.state == "paid"
        )
        assert any(d.late_fee_paid_fen > 0 for d in decisions), "no late fee exercised"
        payers = Counter(
            conn.execute(select(Payment.citizen_id).where(Payment.state == "succeeded")).scalars()
        )
        for p in people:
            assert payers[p.citizen_id] == (1 if p.violation_refs else 0), p.index

        apps = conn.execute(
            select(Application.receipt_no, Application.service_item, Application.citizen_id)
        ).all()
        per_item = Counter((a.citizen_id, a.service_item) for a in apps)
        for p in people:
            assert per_item[(p.citizen_id, "renewal")] == (1 if p.renew else 0), p.index
            expected = 1 if p.violation_refs else 0
            assert per_item[(p.citizen_id, "process_violations")] == expected, p.index
            assert per_item[(p.citizen_id, "pay_fines")] == expected, p.index
        assert all(a.citizen_id in by_citizen for a in apps)
        audits = Counter(
            (row.action, row.subject_id)
            for row in conn.execute(select(AuditEntry.action, AuditEntry.subject_id)).all()
        )
        for a in apps:
            assert audits[(f"application.{a.service_item}.completed", a.receipt_no)] == 1, a
        for pay in payments:
            assert audits[("payment.created", pay.payment_no)] == 1, pay
            assert audits[("payment.succeeded", pay.payment_no)] == 1, pay

        serials = dict(
            conn.execute(select(DrivingLicence.citizen_id, DrivingLicence.serial_no)).all()
        )
        for p in people:
            assert serials[p.citizen_id] == p.serial_before + (1 if p.renew else 0), p.index

        stored = set(conn.execute(select(IdempotencyRecord.key)).scalars())
        for p in people:
            for step, key in p.keys.items():
                if (step in ("k1", "k2") and p.violation_refs) or (step == "k3" and p.renew):
                    assert key in stored, key
        certs = conn.execute(text("SELECT count(*) FROM health_certificates")).scalar_one()
        assert certs == sum(p.renew for p in people)
        assert conn.execute(select(func.count()).select_from(PointEntry)).scalar_one() == len(
            decisions
        )
