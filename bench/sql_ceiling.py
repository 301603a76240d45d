"""The database's own ceiling for the booth transaction mix: the server's SQL, no server.

    .venv/bin/python -m bench.sql_ceiling --database-url postgresql+psycopg://…/gangting_bench \
        --levels 8,32,128 --seconds 20

Plain psycopg 3 (no SQLAlchemy, no HTTP), one connection per booth, booths spread over
``--procs`` processes (threads inside each), the same 70/20/10 mix and the same kind of
pool items as ``booth_mix.py`` (fresh ones). The statements, their order and their
transaction boundaries are the ones the server runs (captured with ``bench.capture_sql``):
the idempotency-key lookup and insert, the identity-token and citizen lookups, the
``SELECT … FOR UPDATE`` locks, the decision/ledger/application/audit inserts. Left out:
the booth's bearer-token lookup (the server caches it for 30 s) and the fake payment
platform's calls (a local SQLite file, not the database). Column lists are shortened to
``*`` where the server selects every column of one table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from bench.pools import (
    MarkItem,
    Pools,
    ProcessItem,
    bench_today,
    certificate,
    ensure_booths,
    pick_pools,
    plain_url,
)
from gangting.kernel.ids import new_id, reference
from gangting.licences.rules import Validity, expiry_on, next_validity, scoring_cycle
from gangting.vehicles.rules import Use, VehicleKind, inspection_due

# Payload sizes like the server's (reasons with legal basis, the stored answer).
_REASONS = [
    {
        "code": "bench.reason",
        "message": "通过自助处理平台处理交通技术监控记录的违法行为" * 2,
        "legal_basis": ["《道路交通安全违法行为处理程序规定》(公安部令第157号) 第58条"],
        "data": {},
    }
] * 3
_LEGAL = ["《道路交通安全违法行为处理程序规定》(公安部令第157号) 第58条"] * 2

Q_IDEM = (
    "SELECT scope, key, request_hash, status_code, body, created_at FROM idempotency_keys"
    " WHERE scope = %s AND key = %s"
)
I_IDEM = (
    "INSERT INTO idempotency_keys (scope, key, request_hash, status_code, body, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)
I_AUDIT = (
    "INSERT INTO audit_entries (at, actor_kind, actor_id, booth_id, action, subject_kind,"
    " subject_id, reason, data, id) VALUES (%s, 'booth', %s, %s, %s, %s, %s, NULL, %s, %s)"
)
I_AUDIT2 = (
    "INSERT INTO audit_entries (at, actor_kind, actor_id, booth_id, action, subject_kind,"
    " subject_id, reason, data, id) VALUES (%s, 'booth', %s, %s, %s, %s, %s, NULL, %s, %s),"
    " (%s, 'booth', %s, %s, %s, %s, %s, NULL, %s, %s)"
)
I_APP = (
    "INSERT INTO applications (receipt_no, service_item, state, citizen_id, booth_id,"
    " created_at, updated_at, reasons, legal_basis, result, id)"
    " VALUES (%s, %s, 'completed', %s, %s, %s, %s, %s, %s, %s, %s)"
)
Q_TOKEN = (
    "SELECT token_hash, citizen_id, booth_id, face_score, issued_at, expires_at"
    " FROM identity_tokens WHERE token_hash = %s"
)
_CITIZEN = "SELECT id_number, name, phone, birth_date, area_code, id FROM citizens"
Q_CITIZEN_ID = _CITIZEN + " WHERE id = %s"
Q_CITIZEN_NO = _CITIZEN + " WHERE id_number = %s"
I_TOKEN = (
    "INSERT INTO identity_tokens (token_hash, citizen_id, booth_id, face_score, issued_at,"
    " expires_at) VALUES (%s, %s, %s, %s, %s, %s)"
)
# The my-violations query of ``citizens.service.violations_of_citizen``: a UNION of two
# index lookups (an OR of a sub-select and another column would scan all of violations).
Q_MY_VIOLATIONS = (
    "SELECT violations.*, violation_codes.*, penalty_decisions.* FROM violations"
    " JOIN violation_codes ON violation_codes.code = violations.code"
    " LEFT OUTER JOIN penalty_decisions ON penalty_decisions.violation_id = violations.id"
    " WHERE violations.id IN (SELECT v.id FROM violations v JOIN vehicles"
    " ON vehicles.id = v.vehicle_id WHERE vehicles.owner_id = %s AND v.state = %s"
    " UNION SELECT v.id FROM violations v WHERE v.driver_id = %s)"
    " ORDER BY violations.occurred_at DESC LIMIT %s"
)
Q_UNPAID = "SELECT * FROM penalty_decisions WHERE citizen_id = %s AND state = %s"
Q_LICENCE_LOCK = (
    "SELECT id, first_issued_on, validity, valid_from, expires_on, status,"
    " had_full_score_in_validity, serial_no, licence_no, classes, learner_until, version,"
    " citizen_id FROM driving_licences WHERE citizen_id = %s FOR UPDATE"
)
Q_VIOLATIONS_LOCK = (
    "SELECT violations.id, violations.ref, violations.occurred_at, violation_codes.code,"
    " violation_codes.points, violation_codes.fine_default_fen, violation_codes.points_basis,"
    " violation_codes.fine_basis, violation_codes.camera_processable, violations.state,"
    " vehicles.owner_id, violations.*, violation_codes.*, vehicles.*"
    " FROM violations JOIN violation_codes ON violation_codes.code = violations.code"
    " LEFT OUTER JOIN vehicles ON vehicles.id = violations.vehicle_id"
    " WHERE violations.ref = ANY(%s) ORDER BY violations.occurred_at FOR UPDATE OF violations"
)
Q_POINTS = (
    "SELECT point_entries.cycle_start, point_entries.points, point_entries.source_kind,"
    " penalty_decisions.decision_no, penalty_decisions.due_on, penalty_decisions.paid_on"
    " FROM point_entries LEFT OUTER JOIN penalty_decisions"
    " ON point_entries.source_kind = %s AND penalty_decisions.decision_no = point_entries.source_id"
    " WHERE point_entries.citizen_id = %s AND point_entries.cycle_start <= %s"
)
I_DECISION = (
    "INSERT INTO penalty_decisions (decision_no, violation_id, citizen_id, booth_id, points,"
    " fine_fen, decided_at, received_on, due_on, state, paid_on, late_fee_paid_fen, pauses,"
    " legal_basis, id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s)"
)
U_VIOLATION = "UPDATE violations SET state = %s, driver_id = %s WHERE violations.id = %s"
I_POINTS = (
    "INSERT INTO point_entries (citizen_id, cycle_start, points, source_kind, source_id,"
    " recorded_at, legal_basis, id) VALUES (%s, %s, %s, 'decision', %s, %s, %s, %s)"
)
Q_DECISIONS_LOCK = (
    "SELECT decision_no, violation_id, citizen_id, booth_id, points, fine_fen, decided_at,"
    " received_on, due_on, state, paid_on, late_fee_paid_fen, pauses, legal_basis, id"
    " FROM penalty_decisions WHERE decision_no = ANY(%s) AND citizen_id = %s FOR UPDATE"
)
Q_PENDING = (
    "SELECT payments.payment_no FROM payments JOIN payment_items"
    " ON payment_items.payment_id = payments.id"
    " WHERE payment_items.decision_id = ANY(%s) AND payments.state = %s"
)
I_PAYMENT = (
    "INSERT INTO payments (payment_no, citizen_id, booth_id, amount_fen, state, created_at,"
    " settled_at, platform_ref, failure, receipt_no, id)"
    " VALUES (%s, %s, %s, %s, 'pending', %s, NULL, NULL, NULL, NULL, %s)"
)
I_PAYMENT_ITEM = (
    "INSERT INTO payment_items (payment_id, decision_id, fine_fen, late_fee_fen, days_late, id)"
    " VALUES (%s, %s, %s, 0, 0, %s)"
)
Q_PAYMENT_NO = "SELECT * FROM payments WHERE payment_no = %s"
Q_PAYMENT_ID = "SELECT * FROM payments WHERE id = %s"
U_PAYMENT = (
    "UPDATE payments SET state = %s, settled_at = %s, platform_ref = %s, receipt_no = %s"
    " WHERE payments.id = %s AND payments.state = %s RETURNING payments.id"
)
Q_ITEMS_LOCK = (
    "SELECT payment_items.decision_id, payment_items.*, penalty_decisions.*"
    " FROM payment_items JOIN penalty_decisions"
    " ON penalty_decisions.id = payment_items.decision_id WHERE payment_items.payment_id = %s"
    " FOR UPDATE OF penalty_decisions"
)
U_DECISION = "UPDATE penalty_decisions SET state = %s, paid_on = %s WHERE id = %s"
Q_ITEMS = (
    "SELECT payment_items.*, penalty_decisions.decision_no FROM payment_items"
    " JOIN penalty_decisions ON penalty_decisions.id = payment_items.decision_id"
    " WHERE payment_items.payment_id = %s"
)
Q_CERT = "SELECT * FROM health_certificates WHERE certificate_no = %s"
I_CERT = (
    "INSERT INTO health_certificates (citizen_id, certificate_no, institution, issued_on,"
    " purpose, id) VALUES (%s, %s, %s, %s, 'renewal', %s)"
)
U_LICENCE = (
    "UPDATE driving_licences SET validity = %s, valid_from = %s, expires_on = %s,"
    " serial_no = %s WHERE driving_licences.id = %s"
)
Q_VEHICLE_LOCK = (
    "SELECT id, registered_on, kind, use, seats, is_van, illegally_modified, injury_accident,"
    " inspection_valid_until, owner_id, plate_no, new_energy, compulsory_insurance_until,"
    " vehicle_tax_ok, status, unprocessed_accidents FROM vehicles WHERE plate_no = %s FOR UPDATE"
)
Q_UNPROCESSED = (
    "SELECT count(*) AS count_1 FROM violations WHERE violations.vehicle_id = %s"
    " AND violations.state = %s"
)
I_MARK = (
    "INSERT INTO inspection_marks (mark_no, vehicle_id, period_key, valid_until, issued_at,"
    " data, id) VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
U_VEHICLE = "UPDATE vehicles SET inspection_valid_until = %s WHERE vehicles.id = %s"


def _now() -> datetime:
    return datetime.now(UTC)


def _hash() -> str:
    return secrets.token_hex(32)


class Booth:
    """One booth: one connection, the server's statements for each transaction kind."""

    def __init__(self, conn: psycopg.Connection[Any], booth_id: uuid.UUID, today: date) -> None:
        self.conn = conn
        self.q_my_violations = Q_MY_VIOLATIONS
        self.booth_id = booth_id
        self.actor = str(booth_id)
        self.scope = f"booth:{booth_id}"
        self.today = today

    def _audit(self, action: str, kind: str, subject: object, data: dict[str, Any]) -> None:
        self.conn.execute(
            I_AUDIT,
            (_now(), self.actor, self.booth_id, action, kind, str(subject), Jsonb(data), new_id()),
        )

    def _begin_write(self) -> str:
        key = uuid.uuid4().hex
        self.conn.execute(Q_IDEM, (self.scope, key)).fetchone()
        return key

    def _end_write(self, key: str, body: dict[str, Any]) -> None:
        self.conn.execute(I_IDEM, (self.scope, key, _hash(), 200, Jsonb(body), _now()))
        self.conn.commit()

    def _resolve(self, token_hash: str) -> uuid.UUID:
        row = self.conn.execute(Q_TOKEN, (token_hash,)).fetchone()
        assert row is not None
        self.conn.execute(Q_CITIZEN_ID, (row[1],)).fetchone()
        return uuid.UUID(str(row[1]))

    def _application(self, item: str, citizen_id: uuid.UUID, result: dict[str, Any]) -> str:
        receipt = reference("SL", _now())
        now = _now()
        self.conn.execute(
            I_APP,
            (receipt, item, citizen_id, self.booth_id, now, now, Jsonb(_REASONS), Jsonb(_LEGAL),
             Jsonb(result), new_id()),
        )  # fmt: skip
        return receipt

    def identity(self, id_number: str) -> str:
        key = self._begin_write()
        citizen = self.conn.execute(Q_CITIZEN_NO, (id_number,)).fetchone()
        assert citizen is not None, id_number
        citizen_id = citizen[-1]
        token_hash = _hash()
        self._audit("identity.verified", "citizen", citizen_id, {"face_score": 0.93})
        self.conn.execute(
            I_TOKEN,
            (token_hash, citizen_id, self.booth_id, 0.93, _now(), _now() + timedelta(minutes=10)),
        )
        self._end_write(key, {"identity_token": token_hash, "citizen": {"name": "x" * 6}})
        return token_hash

    def query(self, token_hash: str) -> None:
        citizen_id = self._resolve(token_hash)
        self.conn.execute(
            self.q_my_violations, (citizen_id, "unprocessed", citizen_id, 200)
        ).fetchall()
        self.conn.execute(Q_UNPAID, (citizen_id, "unpaid")).fetchall()
        self.conn.commit()

    def process(self, token_hash: str, item: ProcessItem) -> list[str]:
        key = self._begin_write()
        citizen_id = self._resolve(token_hash)
        licence = self.conn.execute(Q_LICENCE_LOCK, (citizen_id,)).fetchone()
        assert licence is not None
        rows = self.conn.execute(Q_VIOLATIONS_LOCK, (item.refs,)).fetchall()
        cycle = scoring_cycle(licence[1], self.today)
        self.conn.execute(Q_POINTS, ("decision", citizen_id, cycle.start)).fetchall()
        now = _now()
        fined: list[str] = []
        decisions = []
        for row in rows:
            violation_id, ref, _, code, points, fine_fen, p_basis, f_basis = row[:8]
            decision_no = reference("JD", now)
            self.conn.execute(
                I_DECISION,
                (decision_no, violation_id, citizen_id, self.booth_id, points, fine_fen, now,
                 self.today, self.today + timedelta(days=15),
                 "unpaid" if fine_fen > 0 else "paid", None if fine_fen > 0 else self.today,
                 Jsonb([]), Jsonb([p_basis, f_basis]), new_id()),
            )  # fmt: skip
            self.conn.execute(U_VIOLATION, ("decided", citizen_id, violation_id))
            self.conn.execute(
                I_POINTS, (citizen_id, cycle.start, points, decision_no, now, p_basis, new_id())
            )
            decisions.append({"decision_no": decision_no, "ref": ref, "fine_fen": fine_fen})
            if fine_fen > 0:
                fined.append(decision_no)
        result = {"decisions": decisions, "points_this_cycle": 0}
        receipt = self._application("process_violations", citizen_id, result)
        self._audit(
            "application.process_violations.completed",
            "application",
            receipt,
            {"citizen_id": str(citizen_id), "result": result},
        )
        self._end_write(key, {"receipt_no": receipt, **result, "reasons": _REASONS})
        return fined

    def pay(self, token_hash: str, decision_nos: list[str]) -> None:
        # 1. create_payment: the idempotent write.
        key = self._begin_write()
        citizen_id = self._resolve(token_hash)
        decisions = self.conn.execute(Q_DECISIONS_LOCK, (decision_nos, citizen_id)).fetchall()
        ids = [d[-1] for d in decisions]
        self.conn.execute(Q_PENDING, (ids, "pending")).fetchone()
        now = _now()
        payment_id, payment_no = uuid.uuid4(), reference("JK", now)
        total = sum(d[5] for d in decisions)
        self.conn.execute(I_PAYMENT, (payment_no, citizen_id, self.booth_id, 0, now, payment_id))
        for d in decisions:
            self.conn.execute(I_PAYMENT_ITEM, (payment_id, d[-1], d[5], new_id()))
        self._audit(
            "payment.created",
            "payment",
            payment_no,
            {"amount_fen": total, "decisions": decision_nos},
        )
        self._end_write(key, {"payment_no": payment_no})
        # 2. _settle: read the payment (the platform is asked outside any transaction).
        self.conn.execute(Q_PAYMENT_NO, (payment_no,)).fetchone()
        self.conn.commit()
        # 3. settle_payment + payment_view.
        self.conn.execute(Q_PAYMENT_NO, (payment_no,)).fetchone()
        now = _now()
        changed = self.conn.execute(
            U_PAYMENT,
            ("succeeded", now, f"PF{payment_no}", reference("PJ", now), payment_id, "pending"),
        ).fetchone()
        assert changed is not None
        items = self.conn.execute(Q_ITEMS_LOCK, (payment_id,)).fetchall()
        result = {"payment_no": payment_no, "amount_fen": total, "decisions": decision_nos}
        receipt = self._application("pay_fines", citizen_id, result)
        for item in items:
            self.conn.execute(U_DECISION, ("paid", self.today, item[0]))
        self.conn.execute(
            I_AUDIT2,
            (now, self.actor, self.booth_id, "application.pay_fines.completed", "application",
             receipt, Jsonb({"citizen_id": str(citizen_id), "result": result}), new_id(),
             now, self.actor, self.booth_id, "payment.succeeded", "payment", payment_no,
             Jsonb({"amount_fen": total}), new_id()),
        )  # fmt: skip
        self.conn.execute(Q_PAYMENT_ID, (payment_id,)).fetchone()
        self.conn.execute(Q_ITEMS, (payment_id,)).fetchall()
        self.conn.commit()

    def renew(self, token_hash: str) -> None:
        key = self._begin_write()
        citizen_id = self._resolve(token_hash)
        licence = self.conn.execute(Q_LICENCE_LOCK, (citizen_id,)).fetchone()
        assert licence is not None
        licence_id, _, validity, _, expires, _, full, serial = licence[:8]
        cert = certificate(self.today)
        self.conn.execute(Q_CERT, (cert["certificate_no"],)).fetchone()
        new = next_validity(Validity(validity), full)
        valid_from = expires if self.today <= expires else self.today
        new_expiry = expiry_on(valid_from, new)
        result = {"licence": {"validity": new.value, "expires_on": str(new_expiry)}}
        receipt = self._application("renewal", citizen_id, result)
        self.conn.execute(
            I_CERT,
            (citizen_id, cert["certificate_no"], cert["institution"], cert["issued_on"], new_id()),
        )
        self.conn.execute(U_LICENCE, (new.value, valid_from, new_expiry, serial + 1, licence_id))
        self._audit(
            "application.renewal.completed",
            "application",
            receipt,
            {"citizen_id": str(citizen_id), "result": result},
        )
        self._end_write(key, {"receipt_no": receipt, **result, "reasons": _REASONS})

    def mark(self, token_hash: str, item: MarkItem) -> None:
        key = self._begin_write()
        citizen_id = self._resolve(token_hash)
        v = self.conn.execute(Q_VEHICLE_LOCK, (item.plate,)).fetchone()
        assert v is not None
        self.conn.execute(Q_UNPROCESSED, (v[0], "unprocessed")).fetchone()
        following = inspection_due(
            v[1], VehicleKind(v[2]), Use(v[3]), v[4], v[5],
            on=v[8] + timedelta(days=1), illegally_modified=v[6], injury_accident=v[7],
        )  # fmt: skip
        now = _now()
        mark_no = reference("BZ", now)
        data = {"mark_no": mark_no, "plate": item.plate, "valid_until": str(following.valid_until)}
        receipt = self._application("inspection_mark", citizen_id, {"mark": data})
        self.conn.execute(
            I_MARK,
            (mark_no, v[0], f"{v[0]}:{following.valid_until.isoformat()}", following.valid_until,
             now, Jsonb(data), new_id()),
        )  # fmt: skip
        self.conn.execute(U_VEHICLE, (following.valid_until, v[0]))
        self._audit(
            "application.inspection_mark.completed",
            "application",
            receipt,
            {"citizen_id": str(citizen_id), "result": {"mark": data}},
        )
        self._end_write(key, {"receipt_no": receipt, "mark": data, "reasons": _REASONS})


@dataclass
class Slice:
    """What one process gets: its booths and its share of the pools."""

    url: str
    today: date
    booth_ids: list[uuid.UUID]
    pools: Pools
    warmup_s: float
    seconds: float
    seed: int
    max_conns: int


def _run_slice(work: Slice, out: Any) -> None:
    lock = threading.Lock()
    lat: dict[str, list[float]] = {"query": [], "process": [], "renew": [], "mark": []}
    counts = {"errors": 0, "exhausted": 0}
    error_samples: list[str] = []
    # One connection per booth, up to max_conns (PostgreSQL here has max_connections=100);
    # above that, booths take a connection from the pool for each citizen's action.
    conns = [
        psycopg.connect(plain_url(work.url))
        for _ in range(min(len(work.booth_ids), work.max_conns))
    ]
    free: queue.SimpleQueue[psycopg.Connection[Any]] = queue.SimpleQueue()
    for conn in conns:
        free.put(conn)
    flip = [0]
    t0 = time.monotonic() + 0.5
    t_measure = t0 + work.warmup_s
    t_end = t_measure + work.seconds

    def take(kind: str) -> Any:
        with lock:
            if kind == "query":
                return random.choice(work.pools.query)
            queue: Any = getattr(work.pools, kind)
            return queue.popleft() if queue else None

    def loop(booth_id: uuid.UUID, rng: random.Random) -> None:
        while time.monotonic() < t0:
            time.sleep(0.01)
        while True:
            start = time.monotonic()
            if start >= t_end:
                return
            r = rng.random()
            if r < 0.7:
                kind = "query"
            elif r < 0.9:
                kind = "process"
            else:
                with lock:
                    flip[0] += 1
                    kind = "renew" if flip[0] % 2 else "mark"
            item = take(kind)
            if item is None:
                with lock:
                    counts["exhausted"] += 1
                kind, item = "query", take("query")
            booth = Booth(free.get(), booth_id, work.today)
            try:
                if kind == "query":
                    booth.query(booth.identity(item))
                elif kind == "process":
                    token = booth.identity(item.id_number)
                    fined = booth.process(token, item)
                    if fined:
                        booth.pay(token, fined)
                elif kind == "renew":
                    booth.renew(booth.identity(item[0]))
                else:
                    booth.mark(booth.identity(item.id_number), item)
            except Exception as exc:
                booth.conn.rollback()
                with lock:
                    counts["errors"] += 1
                    if len(error_samples) < 5:
                        error_samples.append(f"{kind}: {exc!r}"[:300])
                continue
            finally:
                free.put(booth.conn)
            end = time.monotonic()
            if start >= t_measure and end <= t_end:
                with lock:
                    lat[kind].append(end - start)

    threads = [
        threading.Thread(
            target=loop,
            args=(bid, random.Random(work.seed * 1000 + i)),
        )
        for i, bid in enumerate(work.booth_ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for conn in conns:
        conn.close()
    out.put({"lat": lat, **counts, "error_samples": error_samples})


def _booth_ids(url: str, codes: list[str]) -> list[uuid.UUID]:
    with psycopg.connect(plain_url(url)) as conn:
        rows = conn.execute("SELECT code, id FROM booths WHERE code = ANY(%s)", (codes,)).fetchall()
    by_code: dict[str, uuid.UUID] = dict(rows)
    return [by_code[c] for c in codes]


def _split(pools: Pools, n: int) -> list[Pools]:
    parts = [Pools(query=pools.query) for _ in range(n)]
    for name in ("process", "renew", "mark"):
        for i, item in enumerate(getattr(pools, name)):
            getattr(parts[i % n], name).append(item)
    return parts


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _cpu_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def run_level(
    url: str,
    today: date,
    pools: Pools,
    booths: int,
    seconds: float,
    *,
    warmup_s: float = 3.0,
    procs: int = 2,
    max_conns: int = 64,
) -> dict[str, Any]:
    codes = ensure_booths(url, booths)
    ids = _booth_ids(url, codes)
    procs = max(1, min(procs, booths))
    parts = _split(pools, procs)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    workers = [
        ctx.Process(
            target=_run_slice,
            args=(
                Slice(
                    url,
                    today,
                    ids[i::procs],
                    parts[i],
                    warmup_s,
                    seconds,
                    i,
                    max(1, max_conns // procs),
                ),
                out,
            ),
        )
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    time.sleep(0.5 + warmup_s)
    busy0, total0 = _cpu_ticks()
    results = [out.get() for _ in workers]
    busy1, total1 = _cpu_ticks()
    for w in workers:
        w.join()
    lat: dict[str, list[float]] = {"query": [], "process": [], "renew": [], "mark": []}
    for r in results:
        for k, v in r["lat"].items():
            lat[k].extend(v)
    every = [x for v in lat.values() for x in v]
    # Give the unused items back (consumed ones are gone for good).
    for name in ("process", "renew", "mark"):
        getattr(pools, name).clear()
    return {
        "booths": booths,
        "seconds": seconds,
        "tx": len(every),
        "tx_per_s": len(every) / seconds,
        "p50_ms": pct(every, 50) * 1000,
        "p99_ms": pct(every, 99) * 1000,
        "per_kind": {
            k: {"n": len(v), "p50_ms": pct(v, 50) * 1000, "p99_ms": pct(v, 99) * 1000}
            for k, v in lat.items()
        },
        "errors": sum(r["errors"] for r in results),
        "exhausted": sum(r["exhausted"] for r in results),
        "error_samples": [s for r in results for s in r["error_samples"]],
        "machine_cpu_busy": (busy1 - busy0) / max(1, total1 - total0),
    }


def run_ceiling(
    url: str,
    levels: list[int],
    seconds: float,
    *,
    demo_clock: str = "",
    warmup_s: float = 3.0,
    procs: int = 2,
    max_conns: int = 64,
) -> list[dict[str, Any]]:
    today = bench_today(demo_clock)
    ensure_booths(url, max(levels))
    results = []
    for booths in levels:
        pools = pick_pools(url, today)  # fresh items for every level
        results.append(
            run_level(
                url,
                today,
                pools,
                booths,
                seconds,
                warmup_s=warmup_s,
                procs=procs,
                max_conns=max_conns,
            )
        )
        r = results[-1]
        print(
            f"ceiling {booths:>4} booths: {r['tx_per_s']:8.1f} tx/s  p50 {r['p50_ms']:6.1f} ms"
            f"  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  exhausted {r['exhausted']}"
            f"  machine cpu {r['machine_cpu_busy']:.0%}",
            flush=True,
        )
        for s in r["error_samples"]:
            print("   ", s)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--levels", default="8,32,128")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--demo-clock", default="")
    parser.add_argument("--max-conns", type=int, default=64, help="connections, all procs")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    results = run_ceiling(
        args.database_url,
        levels,
        args.seconds,
        demo_clock=args.demo_clock,
        warmup_s=args.warmup,
        procs=args.procs,
        max_conns=args.max_conns,
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=str)


if __name__ == "__main__":
    main()
