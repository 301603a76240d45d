"""The live stream across processes: a real centre (uvicorn, two worker processes) streams
server-sent events that other processes published through Mosquitto; a browser that
reconnects with Last-Event-ID gets what it missed; staff see only their own org scope."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gangting.command_centre.runtime import LivePublishing, start_live_publishing
from gangting.config import Settings
from gangting.kernel.clock import FixedClock, SystemClock
from tests import builders
from tests.command_centre import scenario
from tests.command_centre.conftest import _context, make_org, own_prefix, wait_until
from tests.conftest import NOW
from tests.node.kiosk.stack import free_port, wait_http

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stream:
    """An SSE client in a thread: the frames it got, parsed."""

    url: str
    token: str
    last_event_id: str | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    pid: str | None = None

    def start(self) -> Stream:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert wait_until(lambda: any(f["event"] == "hello" for f in self.frames), 10)
        return self

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        with httpx.stream("GET", self.url, headers=headers, timeout=None) as r:
            frame: dict[str, Any] = {}
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if not line:
                    if "event" in frame:
                        self.frames.append(frame)
                    frame = {}
                elif line.startswith("event: "):
                    frame["event"] = line[7:]
                elif line.startswith("id: "):
                    frame["id"] = line[4:]
                elif line.startswith("data: "):
                    frame["data"] = json.loads(line[6:])

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [f["data"] for f in self.frames if f["event"] == kind]

    def close(self) -> None:
        self._stop.set()


@dataclass
class Server:
    url: str
    settings: Settings
    proc: subprocess.Popen[bytes]
    publishing: LivePublishing
    clock: FixedClock

    tokens: builders.StaffTokens = field(default_factory=builders.StaffTokens)

    def token(self, username: str) -> str:
        def post(body: dict[str, str]) -> str:
            r = httpx.post(f"{self.url}/api/v1/auth/staff", json=body)
            assert r.status_code == 200, r.text
            return str(r.json()["access_token"])

        # the centre runs in its own process on the system clock
        return self.tokens.token(username, SystemClock().now(), post)

    def stream(self, username: str, last_event_id: str | None = None) -> Stream:
        return Stream(f"{self.url}/api/v1/live", self.token(username), last_event_id).start()


@pytest.fixture(scope="module")
def server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, mosquitto: str
) -> Iterator[Server]:
    """One centre for the module (starting two workers takes seconds); each test uses its
    own booths' events."""
    tmp_path = tmp_path_factory.mktemp("live-stream")
    clock = FixedClock(NOW)
    db = tmp_path / "centre.db"
    shutil.copy(sqlite_template, db)
    prefix = own_prefix()
    ctx = _context(f"sqlite:///{db}", tmp_path, clock, live_events=False)
    make_org(ctx)
    ctx.close()
    port = free_port()
    env = {
        **os.environ,
        "GANGTING_DATABASE_URL": f"sqlite:///{db}",
        "GANGTING_VAR_DIR": str(tmp_path),
        "GANGTING_MQTT_URL": mosquitto,
        "GANGTING_LIVE_TOPIC_PREFIX": prefix,
    }
    log = (tmp_path / "centre.log").open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "gangting.asgi:app",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings = Settings(
        database_url=f"sqlite:///{db}",
        var_dir=tmp_path,
        mqtt_url=mosquitto,
        live_topic_prefix=prefix,
    )
    # This test process is "another centre process" (an MQTT ingest, a job): it writes to
    # the same database and publishes its committed changes.
    publishing = start_live_publishing(settings)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc)
        assert publishing.publisher.wait_connected(10)
        yield Server(f"http://127.0.0.1:{port}", settings, proc, publishing, clock)
    finally:
        publishing.stop()
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _context_of(server: Server) -> Any:
    ctx = _context(
        server.settings.database_url, Path(server.settings.var_dir), server.clock, live_events=False
    )
    return ctx


def test_a_change_in_another_process_streams_live_and_a_reconnect_catches_up(
    server: Server,
) -> None:
    ctx = _context_of(server)
    now = server.clock.now()
    stream = server.stream("admin")
    time.sleep(0.3)  # both workers' hubs subscribed (they connect at start-up)
    scenario.telemetry(ctx.uow, "BT-KDL-001", "door", "open", now)
    assert wait_until(lambda: stream.events("booth_state"), 10), stream.frames
    state = stream.events("booth_state")[0]
    assert state["booth"] == "BT-KDL-001" and state["data"]["status"] == "fault"
    assert wait_until(lambda: stream.events("alert"), 10)
    last_id = [f for f in stream.frames if "id" in f][-1]["id"]
    stream.close()

    # while the browser is away: the door is closed again
    scenario.telemetry(ctx.uow, "BT-KDL-001", "door", "closed", now + timedelta(seconds=5))
    time.sleep(0.5)
    again = server.stream("admin", last_event_id=last_id)
    assert wait_until(lambda: again.events("booth_state"), 10), again.frames
    assert again.events("reset") == []
    replayed = again.events("booth_state")[-1]
    assert replayed["data"]["status"] == "ok"
    assert replayed["data"]["values"]["door"]["value"] == "closed"
    again.close()
    ctx.close()


def test_each_member_of_staff_gets_only_their_own_scope(server: Server) -> None:
    ctx = _context_of(server)
    now = server.clock.now()
    qs = server.stream("off-qs-1")
    kdl = server.stream("sup-kdl")
    time.sleep(0.3)
    scenario.telemetry(ctx.uow, "BT-KDL-001", "paper", "out", now)
    scenario.telemetry(ctx.uow, "BT-QS-001", "paper", "ok", now)
    assert wait_until(lambda: qs.events("booth_state") and len(kdl.events("booth_state")) >= 1, 10)
    time.sleep(0.5)
    assert {e["booth"] for e in qs.events("booth_state")} == {"BT-QS-001"}
    assert {e["booth"] for e in kdl.events("booth_state")} == {"BT-KDL-001"}
    qs.close()
    kdl.close()
    ctx.close()


def test_a_write_served_by_a_worker_reaches_streams_on_every_worker(server: Server) -> None:
    """Several streams spread over both workers; each sees a write one worker served."""
    streams = [server.stream("admin") for _ in range(4)]
    time.sleep(0.3)
    booth = httpx.post(
        f"{server.url}/api/v1/auth/booth",
        json={"booth_code": "BT-KDL-001", "secret": builders.BOOTH_SECRET},
    ).json()["access_token"]
    r = httpx.post(
        f"{server.url}/api/v1/booth/assist/sync",
        json={"open": True},
        headers={"Authorization": f"Bearer {booth}"},
    )
    assert r.status_code == 200, r.text
    for s in streams:
        assert wait_until(lambda s=s: s.events("remote_assist"), 10), s.frames  # type: ignore[misc]
        assert s.events("remote_assist")[0]["data"]["change"] == "opened"
        s.close()
