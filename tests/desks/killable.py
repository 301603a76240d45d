"""The fault tests' machinery: the real server as a subprocess that SIGKILL stops and a
restart brings back on the same port and files, and booth devices that retry the same
request with the same Idempotency-Key until a definitive answer (tests/desks/test_kill_*)."""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, Engine, Row, select, text

from gangting.fines.models import Payment, PaymentItem
from tests import builders
from tests.conftest import NOW
from tests.identity.evidence import signed_body

IDENTITY_PATH = "/api/v1/identity/check"
NONCE_PATH = "/api/v1/booth/identity/nonce"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The real server as a subprocess; SIGKILL and restart on the same port and files."""

    def __init__(self, database_url: str, var_dir: Path, clock: datetime = NOW) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.var_dir = var_dir
        self.log_path = var_dir / "server.log"
        self.env = {
            **os.environ,
            "GANGTING_DATABASE_URL": database_url,
            "GANGTING_VAR_DIR": str(var_dir),
            "GANGTING_DEMO_CLOCK": clock.isoformat(),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def set_clock(self, clock: datetime) -> None:
        """The fixed clock of the next start (a restart can move the centre's day on)."""
        self.env["GANGTING_DEMO_CLOCK"] = clock.isoformat()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts + 1} ===\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "gangting.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited at start:\n{self.log_tail()}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise AssertionError(f"server not healthy within 40 s:\n{self.log_tail()}")

    def kill(self) -> None:
        assert self.proc is not None
        with suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, n: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-n:]


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    # key -> every definitive (status, body) the booths got for it
    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    def answer(self, key: str, status: int, body: Any) -> None:
        with self.lock:
            self.answers[key].append((status, body))


class Unfinished(Exception):
    """No definitive answer before the deadline."""


class BoothClient:
    """One booth device: logs in again on 401, retries the same request with the same key."""

    def __init__(self, base_url: str, code: str, tally: Tally, deadline: float) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=httpx.Timeout(15.0, connect=2.0))
        self.code = code
        self.tally = tally
        self.deadline = deadline
        self.token: str | None = None
        self.think_s = 0.0
        self.now = NOW  # when the booth signs its identity evidence: the centre's clock

    def close(self) -> None:
        self.http.close()

    def _pause(self) -> None:
        if time.monotonic() > self.deadline:
            raise Unfinished(self.code)
        time.sleep(random.uniform(0.05, 0.2))

    def login(self) -> None:
        while True:
            try:
                r = self.http.post(
                    "/api/v1/auth/booth",
                    json={"booth_code": self.code, "secret": builders.BOOTH_SECRET},
                )
            except httpx.TransportError:
                self.tally.add("retry.transport")
                self._pause()
                continue
            if r.status_code == 200:
                self.token = r.json()["access_token"]
                self.tally.add("login")
                return
            self.tally.add(f"retry.login_{r.status_code}")
            self._pause()

    def identify(self, id_number: str, key: str) -> Any:
        """The identity check as a node makes it: a nonce, then the evidence signed with it
        (decision 0018). A check whose answer a kill lost finds its nonce spent: again."""
        while True:
            status, body = self.write(NONCE_PATH, {}, f"id-nonce-{uuid.uuid4().hex}", None)
            if status != 200:
                return status, body
            signed = signed_body(self.code, id_number, body["nonce"], self.now)
            status, body = self.write(IDENTITY_PATH, signed, key, None)
            if status == 403 and body.get("error") == "identity.nonce_invalid":
                self.tally.add("retry.nonce_spent")
                self._pause()
                continue
            return status, body

    def write(self, path: str, body: dict[str, Any], key: str, identity: str | None) -> Any:
        """POST until a definitive answer (2xx/4xx other than 401); same key every time."""
        attempts = 0
        while True:
            if self.token is None:
                self.login()
            headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
            if identity:
                headers["X-Identity-Token"] = identity
            attempts += 1
            if self.think_s:
                time.sleep(random.uniform(0, self.think_s))  # a person at the booth
            try:
                r = self.http.post(path, json=body, headers=headers)
            except httpx.TransportError as exc:
                self.tally.add("retry.transport")
                self.tally.add(f"retry.transport.{type(exc).__name__}")
                self._pause()
                continue
            if r.status_code == 401:
                self.tally.add("retry.401")
                self.token = None
                continue
            if r.status_code >= 500:
                self.tally.add(f"retry.{r.status_code}")
                self._pause()
                continue
            payload = r.json()
            self.tally.answer(key, r.status_code, payload)
            if attempts > 1:
                self.tally.add("retried_requests")
            if r.headers.get("Idempotent-Replayed") == "true":
                self.tally.add("replayed")
            return r.status_code, payload


class SqliteWriteLock:
    """Another process holding a SQLite file's write lock (readers go on under WAL)."""

    def __init__(self, path: Path | str) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level=None, timeout=10)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        with suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")
        self.conn.close()


class PgRowLock:
    """PostgreSQL: rows locked FOR UPDATE by another connection, so a step of the server
    that locks them too waits on it (``query``: SELECT … FOR UPDATE)."""

    def __init__(self, engine: Engine, query: str, **params: Any) -> None:
        self.conn = engine.connect()
        self.trans = self.conn.begin()
        self.conn.execute(text(query), params)

    def release(self) -> None:
        self.trans.rollback()
        self.conn.close()


def wait_for(pred: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def platform_has(var_dir: Path, payment_no: str) -> bool:
    conn = sqlite3.connect(str(var_dir / "fake_payment_platform.db"), timeout=5)
    try:
        return conn.execute("SELECT 1 FROM docs WHERE id = ?", (payment_no,)).fetchone() is not None
    finally:
        conn.close()


def payments_and_items(conn: Connection) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """Every payment and every payment item, as the invariants read them."""
    payments = conn.execute(
        select(Payment.id, Payment.payment_no, Payment.state, Payment.amount_fen)
    ).all()
    items = conn.execute(
        select(
            PaymentItem.payment_id,
            PaymentItem.decision_id,
            PaymentItem.instalment_id,
            PaymentItem.fine_fen,
            PaymentItem.late_fee_fen,
        )
    ).all()
    return list(payments), list(items)
