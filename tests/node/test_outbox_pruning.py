"""The node outbox forgets what it delivered: a delivered row is deleted some hours after it
was settled (over HTTP or by the MQTT deliverer), in small batches, by the background loop;
a pending row is never deleted, a refused one stays to be looked at; an old node file
gains the settle time and its delivered rows count from when they were written."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from gangting.kernel.clock import FixedClock
from gangting.node.app import _background, simulated_hardware
from gangting.node.centre import CentreClient
from gangting.node.config import NodeSettings
from gangting.node.outbox import Outbox
from gangting.node.service import KioskService
from gangting.node.store import NodeStore
from tests.devices.harness import wait_until

RATINGS = "/api/v1/ratings"
REFUSED = "/api/v1/refused-here"
ELSEWHERE = "/api/v1/booths/help-calls"
HOUR = timedelta(hours=1)


def _centre() -> CentreClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/booth":
            return httpx.Response(200, json={"access_token": "t"})
        if request.url.path == REFUSED:
            return httpx.Response(422, json={"error": "x"})
        return httpx.Response(201, json={})

    return CentreClient("http://centre", "BT-T-001", "s", transport=httpx.MockTransport(answer))


def _clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))


def _rows(store: NodeStore) -> dict[str, list[str]]:
    """State -> the rows' bodies (each test row's body is its name)."""
    with store.transaction() as db:
        rows = db.execute("SELECT state, body FROM outbox ORDER BY id").fetchall()
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["state"], []).append(row["body"])
    return out


def _put(outbox: Outbox, path: str, name: str) -> None:
    outbox.enqueue(path, {"n": name})


def test_delivered_rows_go_after_the_keep_time_pending_and_refused_rows_stay(
    tmp_path: Path,
) -> None:
    clock = _clock()
    store = NodeStore(tmp_path / "booth.db")
    outbox = Outbox(store, _centre(), clock=clock)
    outbox.deliver_elsewhere([ELSEWHERE])  # stays pending until "MQTT" marks it
    for name in ("a", "b", "c"):
        _put(outbox, RATINGS, name)
    _put(outbox, REFUSED, "refused")
    _put(outbox, ELSEWHERE, "mqtt")
    drained = outbox.drain_once(force=True)
    assert (drained.delivered, drained.refused) == (3, 1)
    keep_s = 24 * 3600

    clock.advance(23 * HOUR)
    assert outbox.prune_delivered(keep_s) == 0  # delivered 23 h ago: kept
    _put(outbox, RATINGS, "d")
    outbox.drain_once(force=True)  # d delivered at 23 h

    clock.advance(2 * HOUR)  # 25 h: a, b and c are past the keep time, d is not
    assert outbox.prune_delivered(keep_s, batch=1, max_batches=2) == 2  # small batches
    assert outbox.prune_delivered(keep_s, batch=1, max_batches=2) == 1  # the rest next time
    after = _rows(store)
    assert after["done"] == ['{"n": "d"}']
    assert after["refused"] == ['{"n": "refused"}']
    assert after["pending"] == ['{"n": "mqtt"}']

    # Long past any keep time, a pending row is still there to be sent.
    clock.advance(30 * 24 * HOUR)
    assert outbox.prune_delivered(keep_s) == 1  # d
    assert _rows(store) == {"refused": ['{"n": "refused"}'], "pending": ['{"n": "mqtt"}']}
    assert outbox.pending() == 1

    # The other deliverer settles it: it counts from then, not from when it was written.
    (row,) = outbox.pending_for([ELSEWHERE], after_id=0, limit=10)
    outbox.mark([row["id"]], "done")
    assert outbox.prune_delivered(keep_s) == 0
    clock.advance(24 * HOUR + timedelta(seconds=1))
    assert outbox.prune_delivered(keep_s) == 1
    assert _rows(store) == {"refused": ['{"n": "refused"}']}


def test_an_old_node_file_gains_the_settle_time_and_its_delivered_rows_count_from_writing(
    tmp_path: Path,
) -> None:
    clock = _clock()
    path = tmp_path / "booth.db"
    written = clock.now().timestamp()
    old = sqlite3.connect(path)
    old.executescript(
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, body TEXT NOT NULL,
            key TEXT NOT NULL UNIQUE, state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, created_at REAL NOT NULL,
            last_status INTEGER, last_error TEXT
        );"""
    )
    old.executemany(
        "INSERT INTO outbox (path, body, key, state, next_at, created_at) VALUES (?,?,?,?,?,?)",
        [
            (RATINGS, '{"n": "old-done"}', "k1", "done", written, written),
            (RATINGS, '{"n": "old-pending"}', "k2", "pending", written, written),
        ],
    )
    old.commit()
    old.close()

    store = NodeStore(path)
    with store.transaction() as db:
        columns = {row["name"] for row in db.execute("PRAGMA table_info(outbox)")}
    assert "settled_at" in columns
    outbox = Outbox(store, _centre(), clock=clock)
    clock.advance(25 * HOUR)
    assert outbox.prune_delivered(24 * 3600) == 1
    assert _rows(store) == {"pending": ['{"n": "old-pending"}']}
    store.close()
    NodeStore(path).close()  # opening it again adds nothing twice


def test_the_background_loop_prunes_with_the_node_setting(tmp_path: Path) -> None:
    clock = _clock()
    settings = NodeSettings(
        booth_code="BT-T-001",
        var_dir=tmp_path,
        demo_credentials=tmp_path / "none.txt",
        outbox_keep_delivered_h=2,
        outbox_interval_s=0.01,
    )
    assert (
        NodeSettings.model_validate(
            {"GANGTING_NODE_OUTBOX_KEEP_DELIVERED_H": "48"}
        ).outbox_keep_delivered_h
        == 48
    )
    store = NodeStore(settings.store_path())
    kiosk = KioskService(settings, store, _centre(), simulated_hardware(settings), wall_clock=clock)
    _put(kiosk.outbox, RATINGS, "old")
    kiosk.outbox.drain_once(force=True)
    clock.advance(3 * HOUR)
    _put(kiosk.outbox, RATINGS, "recent")
    kiosk.outbox.drain_once(force=True)
    clock.advance(HOUR)  # old: settled 4 h ago (> 2 h), recent: 1 h ago

    stop = threading.Event()
    loop = threading.Thread(target=_background, args=(kiosk, stop), daemon=True)
    loop.start()
    try:
        assert wait_until(lambda: '{"n": "old"}' not in _rows(store).get("done", []), 5.0)
    finally:
        stop.set()
        kiosk.outbox.wake()
        loop.join(timeout=5)
    assert not loop.is_alive()
    assert '{"n": "recent"}' in _rows(store)["done"]
    store.close()
