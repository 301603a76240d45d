"""Fault test: instalments of an approved plan (行政处罚法 第66条第2款) paid while the server
is SIGKILLed at the worst moments, and the booth retries with the same Idempotency-Key.

The citizen applies at the booth for four instalments; a supervisor asks to grant them and
a second supervisor approves (the two-keys path, over HTTP). Each instalment is then paid
with the centre killed inside one window of the payment:

1. before the filing commits (the instalment rows held by another transaction; on SQLite,
   where every unit of work begins IMMEDIATE, the file's write lock): nothing is written;
2. after the filing commits, before any answer (the pending payment stored, the platform
   not yet asked): the retry finds the stored payment and completes it;
3. after the settlement commits, its answer never read (the booth's connection dropped
   unread, the server killed at once): the retry answers the payment already made;
4. after the platform took the money, before the settlement commits (the payment row held):
   the retry settles it from the platform's answer — on a later day, so this instalment
   carries its late fee.

Afterwards the database shows each instalment paid exactly once: one payment each, one
ledger entry per effect, the late fee of the late one and the decision paid with it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from gangting.applications.models import Application
from gangting.audit.models import AuditEntry
from gangting.audit.verify import verify
from gangting.fines.models import FineInstalment, Payment, PaymentItem, PenaltyDecision
from gangting.kernel.clock import CITY_ZONE, FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.idempotency import IdempotencyRecord
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.points.models import PointEntry
from tests import builders
from tests.conftest import NOW
from tests.desks.killable import (
    BoothClient,
    PgRowLock,
    Server,
    SqliteWriteLock,
    Tally,
    payments_and_items,
    platform_has,
    wait_for,
)

pytestmark = pytest.mark.slow

BOOTH = "BT-KDL-001"
MAKER, CHECKER = "sup-kdl", "sup-kdl-2"
APPLY_PATH = "/api/v1/fine-deferrals"
INSTALMENTS_PATH = "/api/v1/payments/instalments"
# Ten days after the last instalment's due date (2027-03-11); the first three are paid early.
LATE = datetime(2027, 3, 21, 10, 0, tzinfo=CITY_ZONE)
INSTALMENT_ROWS = "SELECT id FROM fine_instalments WHERE instalment_no = :n FOR UPDATE"
PAYMENT_ROW = "SELECT id FROM payments WHERE payment_no = :n FOR UPDATE"
Lock = SqliteWriteLock | PgRowLock


@dataclass
class Plan:
    """The citizen and the decision whose fine they pay in instalments."""

    citizen_id: uuid.UUID
    id_number: str
    decision_no: str


def _build(engine: Engine) -> Plan:
    """A red-light decision (200 yuan) made today at the KDL booth, due 2026-12-11, and the
    two supervisors of the unit: the maker and the checker of the grant."""
    with UnitOfWork(session_factory(engine), FixedClock(NOW)) as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        booth = builders.booth(uow, kdl, code=BOOTH)
        for name in (MAKER, CHECKER):
            builders.staff(uow, kdl, name, "supervisor")
        person = builders.citizen(uow, birth=date(1985, 4, 10))
        car = builders.vehicle(uow, person, "蒙BF7701")
        decision = builders.overdue_decision(
            uow, person, car, date(2010, 3, 15), decided_on=NOW.date(), booth_id=booth.id
        )
        return Plan(person.id, person.id_number, decision.decision_no)


# --------------------------------------------------------------------------- the two keys


def _staff_token(server: Server, username: str) -> str:
    r = httpx.post(f"{server.base_url}/api/v1/auth/staff", json=builders.staff_login(username, NOW))
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _staff_post(server: Server, token: str, path: str, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=15)


def _granted(server: Server, deferral_no: str) -> list[dict[str, Any]]:
    """The maker asks (202, a pending approval), the checker approves: the plan's instalments."""
    path = f"/api/v1/staff/fine-deferrals/{deferral_no}/grant"
    asked = _staff_post(server, _staff_token(server, MAKER), path, {"note": "情况属实"})
    assert asked.status_code == 202, asked.text
    approve = f"/api/v1/staff/approvals/{asked.json()['id']}/approve"
    r = _staff_post(server, _staff_token(server, CHECKER), approve, {})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "executed", r.text
    result = r.json()["result"]
    assert result["state"] == "approved", result
    return list(result["instalments"])


# --------------------------------------------------------------------------- the windows


def _main_lock(database_url: str, engine: Engine, query: str, no: str) -> Lock:
    """Another transaction that the server's next write (SQLite) or lock of these rows
    (PostgreSQL) waits on."""
    if database_url.startswith("sqlite"):
        return SqliteWriteLock(database_url.split("///", 1)[1])
    return PgRowLock(engine, query, n=no)


def _pg_waiting(engine: Engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        ).scalar_one()
    return bool(waiting)


def _pending_payment(engine: Engine, citizen_id: uuid.UUID) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Payment.payment_no).where(
                Payment.citizen_id == citizen_id, Payment.state == "pending"
            )
        ).scalar_one_or_none()


def _payments_of(engine: Engine, citizen_id: uuid.UUID) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Payment).where(Payment.citizen_id == citizen_id)
            ).scalar_one()
        )


def _killed_payment(
    server: Server,
    engine: Engine,
    database_url: str,
    booth: BoothClient,
    plan: Plan,
    identity: str,
    instalment_no: str,
    key: str,
    window: str,
) -> dict[str, Any]:
    """Pay one instalment with the server killed in ``window`` ("before_filing",
    "before_platform", "before_settling"), restart it, retry the same key: the answer."""
    body = {"instalment_nos": [instalment_no], "payer_code": f"QR-{key}"}
    payments_before = _payments_of(engine, plan.citizen_id)
    result: dict[str, Any] = {}

    def first_try() -> None:
        headers = {
            "Authorization": f"Bearer {booth.token}",
            "Idempotency-Key": key,
            "X-Identity-Token": identity,
        }
        try:
            result["r"] = httpx.post(
                f"{server.base_url}{INSTALMENTS_PATH}", json=body, headers=headers, timeout=40
            )
        except httpx.TransportError as exc:
            result["error"] = exc

    platform_lock: Lock | None = None
    main_lock: Lock | None = None
    if window == "before_filing":
        main_lock = _main_lock(database_url, engine, INSTALMENT_ROWS, instalment_no)
    else:
        platform_lock = SqliteWriteLock(server.var_dir / "fake_payment_platform.db")
    sender = threading.Thread(target=first_try)
    payment_no: str | None = None
    try:
        sender.start()
        if window == "before_filing":
            if database_url.startswith("sqlite"):
                time.sleep(0.8)  # the request waits at BEGIN IMMEDIATE (busy timeout 30 s)
            else:
                wait_for(lambda: _pg_waiting(engine), 15, "the filing waiting on the rows")
        else:
            # The filing is committed; the server now stalls inside create_order.
            payment_no = wait_for(
                lambda: _pending_payment(engine, plan.citizen_id), 15, "the pending payment"
            )
        if window == "before_settling":
            assert payment_no is not None and platform_lock is not None
            time.sleep(0.5)  # the settlement's read is done; it stalls in create_order
            main_lock = _main_lock(database_url, engine, PAYMENT_ROW, payment_no)
            platform_lock.release()  # the platform takes the order; settling waits on us
            platform_lock = None
            wait_for(lambda: platform_has(server.var_dir, payment_no), 15, "platform order")
        time.sleep(0.3)
        assert sender.is_alive(), f"the request answered before the kill: {result}"
        server.kill()
    finally:
        for lock in (main_lock, platform_lock):
            if lock is not None:
                lock.release()
    sender.join(timeout=20)
    assert "error" in result, f"the killed request answered: {result}"
    booth.tally.add(f"scripted_kill.{window}")

    # What the kill left: exactly the window aimed at.
    stored, paid = _left(engine, key, instalment_no)
    assert paid == "unpaid"
    if window == "before_filing":
        assert (stored, _payments_of(engine, plan.citizen_id)) == (0, payments_before)
    else:
        assert stored == 1
        assert _pending_payment(engine, plan.citizen_id) == payment_no
        assert platform_has(server.var_dir, str(payment_no)) is (window == "before_settling")

    server.start()
    answer = _retried(booth, body, key, identity)
    if payment_no is not None:
        assert answer["payment_no"] == payment_no
    return answer


def _left(engine: Engine, key: str, instalment_no: str) -> tuple[int, str]:
    """How many answers are stored under ``key``, and the instalment's state."""
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).select_from(IdempotencyRecord).where(IdempotencyRecord.key == key)
        ).scalar_one()
        state = conn.execute(
            select(FineInstalment.state).where(FineInstalment.instalment_no == instalment_no)
        ).scalar_one()
    return int(stored), str(state)


def _retried(booth: BoothClient, body: dict[str, Any], key: str, identity: str) -> dict[str, Any]:
    """The booth's retry with the same key until the payment is settled: its answer."""
    while True:
        status, answer = booth.write(INSTALMENTS_PATH, body, key, identity)
        if status == 201 and answer.get("state") == "pending":
            booth.tally.add("retry.payment_pending")
            time.sleep(0.2)
            continue
        break
    assert status == 201, answer
    assert answer["state"] == "succeeded", answer
    return dict(answer)


def _answer_lost_payment(
    server: Server,
    engine: Engine,
    booth: BoothClient,
    identity: str,
    instalment_no: str,
    key: str,
) -> dict[str, Any]:
    """Pay one instalment whose settlement commits but whose answer the booth never reads:
    the connection dropped unread and the server killed at once; the retry with the same
    key answers the payment already made."""
    body = {"instalment_nos": [instalment_no], "payer_code": f"QR-{key}"}
    payload = json.dumps(body).encode()
    head = (
        f"POST {INSTALMENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {booth.token}\r\nIdempotency-Key: {key}\r\n"
        f"X-Identity-Token: {identity}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(head.encode() + payload)
        wait_for(lambda: _left(engine, key, instalment_no)[1] == "paid", 15, "the settlement")
    finally:
        sock.close()  # unread: the answer is lost
    server.kill()
    booth.tally.add("scripted_kill.answer_lost")
    assert _left(engine, key, instalment_no) == (1, "paid")
    with engine.connect() as conn:
        payment_no = conn.execute(
            select(Payment.payment_no)
            .join(PaymentItem, PaymentItem.payment_id == Payment.id)
            .join(FineInstalment, FineInstalment.id == PaymentItem.instalment_id)
            .where(FineInstalment.instalment_no == instalment_no)
        ).scalar_one()
    server.start()
    answer = _retried(booth, body, key, identity)
    assert answer["payment_no"] == payment_no
    return answer


# --------------------------------------------------------------------------- the test


def test_instalments_paid_through_kills_are_each_paid_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    plan = _build(engine)
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    server = Server(database_url, var_dir)
    tally = Tally()
    booth = BoothClient(server.base_url, BOOTH, tally, time.monotonic() + 150)
    keys = {seq: f"inst-{seq}-{uuid.uuid4().hex[:12]}" for seq in (1, 2, 3, 4)}
    answers: dict[int, dict[str, Any]] = {}
    try:
        server.start()
        status, body = booth.identify(plan.id_number, f"id-{uuid.uuid4().hex}")
        assert status == 200, body
        identity = body["identity_token"]
        status, body = booth.write(
            APPLY_PATH,
            {
                "decision_no": plan.decision_no,
                "kind": "instalments",
                "instalment_count": 4,
                "reason": "本人下岗失业，家庭暂无收入来源",
            },
            f"apply-{uuid.uuid4().hex}",
            identity,
        )
        assert status == 201, body
        instalments = _granted(server, body["deferral"]["deferral_no"])
        assert [(i["seq"], i["amount_fen"], i["due_on"]) for i in instalments] == [
            (1, 5000, "2026-12-11"),
            (2, 5000, "2027-01-10"),
            (3, 5000, "2027-02-09"),
            (4, 5000, "2027-03-11"),
        ]
        nos = {i["seq"]: i["instalment_no"] for i in instalments}

        for seq, window in ((1, "before_filing"), (2, "before_platform")):
            answers[seq] = _killed_payment(
                server, engine, database_url, booth, plan, identity, nos[seq], keys[seq], window
            )

        answers[3] = _answer_lost_payment(server, engine, booth, identity, nos[3], keys[3])

        # The centre comes back ten days after the last instalment's due date.
        server.kill()
        server.set_clock(LATE)
        server.start()
        booth.now = LATE
        status, body = booth.identify(plan.id_number, f"id-{uuid.uuid4().hex}")
        assert status == 200, body
        identity = body["identity_token"]
        answers[4] = _killed_payment(
            server, engine, database_url, booth, plan, identity, nos[4], keys[4], "before_settling"
        )

        # Every key once more, after all the kills: the same payment, nothing new.
        for seq, key in keys.items():
            pay = {"instalment_nos": [nos[seq]], "payer_code": f"QR-{key}"}
            status, again = booth.write(INSTALMENTS_PATH, pay, key, identity)
            assert status == 201 and again["payment_no"] == answers[seq]["payment_no"], again
            assert again["state"] == "succeeded"
    finally:
        booth.close()
        server.stop()

    # 5000 fen × 3 % a day × 10 days late (fines.rules.late_fee); the rest paid early.
    expected = {1: (5000, 0), 2: (5000, 0), 3: (5000, 0), 4: (5000, 1500)}
    for seq, (fine, fee) in expected.items():
        assert (answers[seq]["amount_fen"], answers[seq]["items"][0]["late_fee_fen"]) == (
            fine + fee,
            fee,
        )
    assert answers[4]["items"][0]["days_late"] == 10
    assert sum(n for k, n in tally.counts.items() if k.startswith("scripted_kill.")) == 4
    _check_database(engine, plan, nos, keys, expected)
    engine.dispose()


def _check_database(
    engine: Engine,
    plan: Plan,
    nos: dict[int, str],
    keys: dict[int, str],
    expected: dict[int, tuple[int, int]],
) -> None:
    with engine.connect() as conn:
        instalments = {
            row.seq: row
            for row in conn.execute(
                select(
                    FineInstalment.id,
                    FineInstalment.seq,
                    FineInstalment.state,
                    FineInstalment.paid_on,
                    FineInstalment.late_fee_paid_fen,
                )
            ).all()
        }
        assert sorted(instalments) == [1, 2, 3, 4]
        payments, items = payments_and_items(conn)
        # One payment per instalment, each succeeded, with exactly its one item.
        assert len(payments) == len(expected), payments
        assert {p.state for p in payments} == {"succeeded"}
        per_payment = Counter(it.payment_id for it in items)
        assert all(per_payment[p.id] == 1 for p in payments), per_payment
        per_instalment = Counter(it.instalment_id for it in items)
        amount_of = {p.id: p.amount_fen for p in payments}
        for seq, (fine, fee) in expected.items():
            row = instalments[seq]
            assert per_instalment[row.id] == 1, f"instalment {seq} paid {per_instalment[row.id]}x"
            assert (row.state, row.late_fee_paid_fen) == ("paid", fee)
            item = next(it for it in items if it.instalment_id == row.id)
            assert (item.fine_fen, item.late_fee_fen) == (fine, fee)
            assert amount_of[item.payment_id] == fine + fee
        assert instalments[4].paid_on == LATE.date()
        assert {instalments[seq].paid_on for seq in (1, 2, 3)} == {NOW.date()}

        decision = conn.execute(
            select(
                PenaltyDecision.state, PenaltyDecision.late_fee_paid_fen, PenaltyDecision.fine_fen
            ).where(PenaltyDecision.decision_no == plan.decision_no)
        ).one()
        assert decision.state == "paid"
        assert decision.late_fee_paid_fen == sum(fee for _, fee in expected.values())
        assert sum(amount_of.values()) == decision.fine_fen + decision.late_fee_paid_fen

        # One ledger entry per effect, and the chain verifies.
        audits = Counter(
            (row.action, row.subject_id)
            for row in conn.execute(select(AuditEntry.action, AuditEntry.subject_id)).all()
        )
        for p in payments:
            assert audits[("payment.created", p.payment_no)] == 1, p
            assert audits[("payment.succeeded", p.payment_no)] == 1, p
        actions = Counter(action for action, _ in audits.elements())
        assert (actions["payment.created"], actions["payment.succeeded"]) == (4, 4), actions
        assert actions["fine_deferral.granted"] == 1, actions
        apps = Counter(
            (a.service_item, a.state)
            for a in conn.execute(select(Application.service_item, Application.state)).all()
        )
        assert apps == {("apply_fine_deferral", "completed"): 1, ("pay_fines", "completed"): 4}
        stored = set(conn.execute(select(IdempotencyRecord.key)).scalars())
        assert set(keys.values()) <= stored
        points = conn.execute(
            select(func.count())
            .select_from(PointEntry)
            .where(PointEntry.source_id == plan.decision_no)
        ).scalar_one()
        assert points == 1  # paying moves no points
    with UnitOfWork(session_factory(engine), FixedClock(LATE)) as uow:
        report = verify(uow.session)
    assert report.ok, report.problems
    assert set(nos) == set(expected)
