"""Fault test for the 事故快处 agreement: the server process is SIGKILLed while it issues the
agreement, and the booth retries with the same Idempotency-Key.

Two scripted kills hit the agreement's two windows (the server a real uvicorn subprocess):

- before the agreement is written: the confirming request waits on a lock held by the test
  (SQLite: the database's write lock; PostgreSQL: the settlement row) and is killed there;
  the retry issues the agreement;
- after it is committed, before its deliveries are sent: the insurer adapter's store is
  locked, so the first delivery stalls after commit and the process is killed there; the
  retry replays the stored answer and the worker's job sends what is pending.

Afterwards: exactly one agreement per settlement, one delivery row per recipient, each sent
once (the insurer holds each delivery once, each party got one SMS)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from gangting.accidents.models import AccidentAgreement, AccidentDelivery, AccidentSettlement
from gangting.accidents.service import deliver_pending
from gangting.integrations.insurers import FakeInsurer
from gangting.integrations.notifications import FakeNotifier
from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from tests import builders
from tests.conftest import NOW
from tests.desks.killable import (
    BoothClient,
    PgRowLock,
    Server,
    SqliteWriteLock,
    Tally,
    wait_for,
)

pytestmark = pytest.mark.slow

BOOTH = "BT-KDL-001"


def _build(engine: Engine) -> list[tuple[str, str, str]]:
    """Two accidents' worth of parties: (id number 1, id number 2, plate suffix)."""
    pairs = []
    with UnitOfWork(session_factory(engine), FixedClock(NOW)) as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        builders.booth(uow, kdl, code=BOOTH)
        for i in range(2):
            people = []
            for j in range(2):
                person = builders.citizen(
                    uow, birth=date(1980 + 2 * i + j, 3, 3), expires_on=date(2031, 1, 1)
                )
                person.phone = f"1390000{i}{j}{j}{j}"
                builders.vehicle(
                    uow, person, f"蒙BK{i}{j}0{j}", inspection_valid_until=date(2027, 10, 1)
                )
                people.append(person.id_number)
            pairs.append((people[0], people[1], str(i)))
    return pairs


def _open_body(other: str, i: str) -> dict[str, Any]:
    return {
        "other_identity_token": other,
        "occurred_at": "2026-11-26T09:00:00+08:00",
        "place": "昆都仑区阿尔丁大街与民族东路交叉口",
        "weather": "cloudy",
        "form": "rear_end",
        "answers": builders.accident_answers(),
        "parties": [
            {
                "plate_no": f"蒙BK{i}000",
                "insurer": "中国人民财产保险股份有限公司",
                "policy_no": f"PDZA2026{i}01",
                "collision_part": "rear",
            },
            {
                "plate_no": f"蒙BK{i}101",
                "insurer": "中华联合财产保险股份有限公司",
                "policy_no": f"ADZA2026{i}02",
                "collision_part": "front",
            },
        ],
        "photos": [{"source": "booth_camera", "ref": f"EV-K{i}", "sha256": f"{i}" * 64}],
    }


def _settlement_committed(engine: Engine, database_url: str, settlement_no: str) -> bool:
    """Whether the settlement's agreement is committed. On SQLite read with a plain reader
    (WAL readers never wait; the engine's BEGIN IMMEDIATE would wait on the server, which
    holds the write lock while its delivery stalls)."""
    query = (
        "SELECT count(*) FROM accident_agreements a JOIN accident_settlements s"
        " ON s.id = a.settlement_id WHERE s.settlement_no = :n"
    )
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("///", 1)[1], timeout=5)
        try:
            row = conn.execute(query.replace(":n", "?"), (settlement_no,)).fetchone()
        finally:
            conn.close()
        return bool(row[0])
    with engine.connect() as pg:
        return bool(pg.execute(text(query), {"n": settlement_no}).scalar_one())


def _agree_killed(
    server: Server,
    engine: Engine,
    database_url: str,
    pair: tuple[str, str, str],
    tally: Tally,
    *,
    after_commit: bool,
) -> str:
    """Open a settlement, then kill the server inside its confirmation; retry; its number."""
    booth = BoothClient(server.base_url, BOOTH, tally, time.monotonic() + 60)
    try:
        status, body = booth.identify(pair[1], f"id-{uuid.uuid4().hex}")
        assert status == 200, body
        other = body["identity_token"]
        status, body = booth.identify(pair[0], f"id-{uuid.uuid4().hex}")
        assert status == 200, body
        mine = body["identity_token"]
        status, body = booth.write(
            "/api/v1/accidents", _open_body(other, pair[2]), uuid.uuid4().hex, mine
        )
        assert status == 201, body
        no = body["settlement_no"]
        path = f"/api/v1/accidents/{no}/agreement"
        agree = {"other_identity_token": other, "case": "rear_end", "actor_seq": 2}
        key = uuid.uuid4().hex
        result: dict[str, Any] = {}

        def first_try() -> None:
            headers = {
                "Authorization": f"Bearer {booth.token}",
                "Idempotency-Key": key,
                "X-Identity-Token": mine,
            }
            try:
                result["r"] = httpx.post(
                    f"{server.base_url}{path}", json=agree, headers=headers, timeout=40
                )
            except httpx.TransportError as exc:
                result["error"] = exc

        lock: SqliteWriteLock | PgRowLock | None = None
        insurer_lock: SqliteWriteLock | None = None
        if after_commit:
            insurer_lock = SqliteWriteLock(server.var_dir / "fake_insurers.db")
        elif database_url.startswith("sqlite"):
            lock = SqliteWriteLock(database_url.split("///", 1)[1])
        else:
            lock = _PgSettlementLock(engine, no)
        sender = threading.Thread(target=first_try)
        try:
            sender.start()
            if after_commit:  # committed; the first delivery now waits on the insurer's store
                wait_for(
                    lambda: _settlement_committed(engine, database_url, no), 15, "the agreement"
                )
            time.sleep(0.8)
            server.kill()
        finally:
            if lock is not None:
                lock.release()
            if insurer_lock is not None:
                insurer_lock.release()
        sender.join(timeout=30)
        assert "error" in result, f"the killed request answered: {result}"
        assert (
            _settlement_committed(engine, database_url, no) is after_commit
        )  # the window aimed at
        server.start()
        status, body = booth.write(path, agree, key, mine)
        assert status == 200, body
        assert body["settlement"]["state"] == "agreed"
        again_status, again = booth.write(path, agree, key, mine)
        assert (again_status, again["agreement_no"]) == (200, body["agreement_no"])
        return str(no)
    finally:
        booth.close()


class _PgSettlementLock(PgRowLock):
    """PostgreSQL: the settlement row locked FOR UPDATE, so the confirmation waits on it."""

    def __init__(self, engine: Engine, settlement_no: str) -> None:
        self.conn = engine.connect()
        self.trans = self.conn.begin()
        self.conn.execute(
            text("SELECT id FROM accident_settlements WHERE settlement_no = :n FOR UPDATE"),
            {"n": settlement_no},
        )


def test_a_killed_agreement_is_issued_once_and_delivered_once_per_recipient(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    pairs = _build(engine)
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    server = Server(database_url, var_dir)
    tally = Tally()
    try:
        server.start()
        before = _agree_killed(server, engine, database_url, pairs[0], tally, after_commit=False)
        after = _agree_killed(server, engine, database_url, pairs[1], tally, after_commit=True)
    finally:
        server.stop()
    assert server.kills == 2

    # the worker's job sends what the kill left pending, once
    with engine.connect() as conn:
        pending = conn.execute(
            select(func.count())
            .select_from(AccidentDelivery)
            .where(AccidentDelivery.state == "pending")
        ).scalar_one()
    assert pending == 4  # the killed one's four recipients
    notifier = FakeNotifier(var_dir / "fake_sms.db", clock=FixedClock(NOW))
    insurers = FakeInsurer(var_dir / "fake_insurers.db", clock=FixedClock(NOW))
    try:

        def new_uow() -> UnitOfWork:
            return UnitOfWork(session_factory(engine), FixedClock(NOW))

        assert deliver_pending(new_uow, notifier, insurers) == 4
        assert deliver_pending(new_uow, notifier, insurers) == 0
        received = insurers.deliveries()
        texts = notifier.messages()
    finally:
        notifier.close()
        insurers.close()

    with engine.connect() as conn:
        agreements = conn.execute(
            select(AccidentSettlement.settlement_no, AccidentAgreement.agreement_no).join(
                AccidentAgreement, AccidentAgreement.settlement_id == AccidentSettlement.id
            )
        ).all()
        deliveries = conn.execute(
            select(AccidentDelivery.delivery_no, AccidentDelivery.state, AccidentDelivery.address)
        ).all()
    assert sorted(s for s, _ in agreements) == sorted([before, after])  # one each
    assert len(deliveries) == 8 and {d.state for d in deliveries} == {"sent"}
    per_agreement = Counter(d.delivery_no.rsplit("-", 1)[0] for d in deliveries)
    assert set(per_agreement.values()) == {4}
    # the insurer holds each delivery once (received once: the stalled insert died)
    assert len(received) == 4 and len({d.delivery_no for d in received}) == 4
    with sqlite3.connect(str(var_dir / "fake_insurers.db")) as conn:
        assert {t for (t,) in conn.execute("SELECT times FROM deliveries")} == {1}
    # each party got one SMS
    phones = Counter(m.phone for m in texts)
    sms_addresses = {d.address for d in deliveries if d.address.startswith("139")}
    assert set(phones) == sms_addresses and set(phones.values()) == {1}
    engine.dispose()
