"""Command-centre tests: an org tree with booths and staff, a centre app whose live events go
through the run's own Mosquitto (tests/mosquitto.py) under a topic prefix of the test's own,
and a recording live sink for tests that need no broker.

    BT (detachment): admin
      KDL (brigade): sup-kdl
        KDL-1 (squadron): off-kdl-1, off-kdl-2; booth BT-KDL-001
      QS (brigade): sup-qs
        QS-1 (squadron): off-qs-1; booth BT-QS-001
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gangting.app import create_app
from gangting.command_centre import live
from gangting.command_centre.changes import ChangeFeed, install_feed
from gangting.command_centre.live_rules import LiveEvent
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.integrations.learning import FakeLearningPlatform
from gangting.integrations.payment import FakePaymentPlatform
from gangting.kernel.clock import FixedClock
from tests import builders
from tests.mosquitto import require_mosquitto


@pytest.fixture(scope="session")
def mosquitto() -> str:
    """The run's private Mosquitto (tests/mosquitto.py), never the machine's on 1883."""
    return require_mosquitto()


def own_prefix() -> str:
    """A live topic prefix of this test's own on the shared broker."""
    return f"gangting-test/{uuid.uuid4().hex[:10]}/live"


def wait_until(predicate: Callable[[], object], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


@dataclass
class RecordingSink:
    """A live sink that keeps what it is given (no broker)."""

    accepting: bool = True
    events: list[LiveEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, event: LiveEvent) -> bool:
        if not self.accepting:
            return False
        with self.lock:
            self.events.append(event)
        return True

    def of(self, kind: str) -> list[LiveEvent]:
        with self.lock:
            return [e for e in self.events if e.kind == kind]


@dataclass
class World:
    ctx: Context
    clock: FixedClock

    def uow(self) -> Any:
        return self.ctx.uow()


def make_org(ctx: Context) -> None:
    with ctx.uow() as uow:
        top = builders.org_unit(uow, "BT", kind="detachment")
        kdl = builders.org_unit(uow, "KDL", top)
        qs = builders.org_unit(uow, "QS", top)
        kdl1 = builders.org_unit(uow, "KDL-1", kdl, kind="squadron")
        qs1 = builders.org_unit(uow, "QS-1", qs, kind="squadron")
        builders.booth(uow, kdl1, code="BT-KDL-001")
        builders.booth(uow, qs1, code="BT-QS-001")
        builders.staff(uow, top, "admin", "admin")
        builders.staff(uow, kdl, "sup-kdl", "supervisor")
        builders.staff(uow, qs, "sup-qs", "supervisor")
        builders.staff(uow, kdl1, "off-kdl-1", "officer")
        builders.staff(uow, kdl1, "off-kdl-2", "officer")
        builders.staff(uow, qs1, "off-qs-1", "officer")


def _context(database_url: str, tmp_path: Path, clock: FixedClock, **overrides: Any) -> Context:
    settings = Settings(database_url=database_url, var_dir=tmp_path, **overrides)
    return build_context(
        settings,
        clock=clock,
        payments=FakePaymentPlatform(tmp_path / "pay.db", clock=clock),
        learning=FakeLearningPlatform(),
    )


@pytest.fixture
def world(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[World]:
    """A migrated database with the org tree, no app and no broker."""
    ctx = _context(database_url, tmp_path, clock, live_events=False)
    make_org(ctx)
    yield World(ctx, clock)
    ctx.close()


@pytest.fixture
def recorded() -> Iterator[tuple[RecordingSink, ChangeFeed]]:
    """A recording sink and a running change feed, installed for this process."""
    sink = RecordingSink()
    feed = ChangeFeed()
    feed.start()
    remove_sink = live.install_sink(sink)
    remove_feed = install_feed(feed)
    yield sink, feed
    remove_feed()
    remove_sink()
    feed.stop()


@dataclass
class Centre:
    """The centre's app in a test client, live events through Mosquitto."""

    client: TestClient
    ctx: Context
    clock: FixedClock
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = self.client.post(
                "/api/v1/auth/staff",
                json=builders.staff_login(username, self.clock.now()),
            )
            assert r.status_code == 200, r.text
            self.tokens[username] = str(r.json()["access_token"])
        return self.tokens[username]

    def booth_token(self, code: str) -> str:
        if code not in self.tokens:
            r = self.client.post(
                "/api/v1/auth/booth", json={"booth_code": code, "secret": builders.BOOTH_SECRET}
            )
            assert r.status_code == 200, r.text
            self.tokens[code] = str(r.json()["access_token"])
        return self.tokens[code]

    def get(self, username: str, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        return self.client.get(path, params=params, headers=headers)

    def post(self, username: str, path: str, body: dict[str, Any] | None = None) -> Any:
        token = self.booth_token(username) if username.startswith("BT-") else self.token(username)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        return self.client.post(path, json=body if body is not None else {}, headers=headers)


@pytest.fixture
def centre(
    database_url: str, tmp_path: Path, clock: FixedClock, mosquitto: str
) -> Iterator[Centre]:
    ctx = _context(
        database_url, tmp_path, clock, mqtt_url=mosquitto, live_topic_prefix=own_prefix()
    )
    make_org(ctx)
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        hub = client.app.state.live_hub  # type: ignore[attr-defined]
        assert hub is not None and hub.wait_connected(10), "live hub did not connect"
        assert wait_until(live.accepting, 10), "live publisher did not connect"
        yield Centre(client, ctx, clock)
    ctx.close()


def plate_read_body(
    plate: str, booth: str, clock: FixedClock, *, evidence: str = "aGl0"
) -> dict[str, Any]:
    seen = clock.now() - timedelta(seconds=5)
    return builders.plate_read_body(
        booth,
        plate,
        seen,
        confidence=0.93,
        char_confidences=[0.95] * 7,
        evidence_jpeg_b64=evidence,
    )
