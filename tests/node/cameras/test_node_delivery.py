"""A booth node with a plate camera, wired to a real centre: the reads wait in the node's
outbox while the centre is away and arrive once, linked to the vehicle, visible to staff;
the node's shutdown stops its cameras."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from gangting.identification.plates import PlateReader
from gangting.node.app import create_node_app
from gangting.node.cameras.manager import Cameras
from gangting.node.cameras.simulated import EMPTY, Shot, pass_shots
from gangting.node.config import NodeSettings
from gangting.node.service import KioskService
from gangting.plate_reads.models import PlateReadRecord
from tests import builders
from tests.desks.conftest import Api
from tests.node.cameras.conftest import frames, photo_stills, rendered_stills, write_images
from tests.node.conftest import CentreLink, count


@contextmanager
def _node(
    api: Api, tmp_path: Path, cameras: list[dict[str, Any]], reader: PlateReader, **kw: Any
) -> Iterator[tuple[TestClient, CentreLink]]:
    settings = NodeSettings(
        booth_code="BT-KDL-001",
        booth_secret=builders.BOOTH_SECRET,
        centre_url="http://centre",
        var_dir=tmp_path / "node",
        demo_credentials=tmp_path / "none.txt",
        cameras=cameras,  # type: ignore[arg-type]
    )
    link = CentreLink(api.client)
    app = create_node_app(
        settings, centre_transport=link, plate_reader=reader, wall_clock=api.clock, **kw
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, link


def test_the_camera_reads_reach_the_centre_through_the_outbox_once(
    api: Api, world: dict[str, Any], tmp_path: Path, reader: PlateReader
) -> None:
    stills = rendered_stills(tmp_path / "stills", [world["car"]]) + photo_stills("ccpd_025")
    shots: list[Shot] = [EMPTY] * 2 + pass_shots(0) + [EMPTY] * 5 + pass_shots(1) + [EMPTY] * 4
    folder = write_images(tmp_path / "lane", frames(stills, shots))
    camera = {"id": "lane-1", "source": str(folder), "fps": 2, "realtime": False}
    with _node(api, tmp_path, [camera], reader, background=False) as (client, link):
        kiosk: KioskService = client.app.state.kiosk  # type: ignore[attr-defined]
        cameras: Cameras = client.app.state.cameras  # type: ignore[attr-defined]
        link.down = True  # the centre is away while the cars pass
        cameras.start()
        assert cameras.join(60)
        assert cameras.status()[0]["state"] == "ended"
        assert kiosk.outbox.pending() == 2
        assert kiosk.outbox.drain_once(force=True).waiting == 2
        assert count(api, PlateReadRecord) == 0

        link.down = False
        assert kiosk.outbox.drain_once(force=True).delivered == 2
        assert kiosk.outbox.pending() == 0
        assert kiosk.outbox.drain_once(force=True).delivered == 0

    with api.ctx.uow() as uow:
        rows = {r.plate_no: r for r in uow.session.query(PlateReadRecord).all()}
    assert set(rows) == {world["car"], "皖AWT614"}
    assert rows[world["car"]].vehicle_id is not None
    assert rows["皖AWT614"].vehicle_id is None
    assert all(r.evidence_jpeg_b64 for r in rows.values())

    officer = api.login_staff("off-kdl")
    seen = api.client.get("/api/v1/plate-reads", headers={"Authorization": f"Bearer {officer}"})
    assert seen.status_code == 200
    assert [r["plate_no"] for r in seen.json()["plate_reads"]] == ["皖AWT614", world["car"]]


def test_the_node_shutdown_stops_its_cameras(
    api: Api, world: dict[str, Any], tmp_path: Path, reader: PlateReader
) -> None:
    camera = {"id": "cam1", "source": "sim", "fps": 2}  # the demo's camera, in real time
    with _node(api, tmp_path, [camera], reader) as (client, _):
        cameras: Cameras = client.app.state.cameras  # type: ignore[attr-defined]
        worker = cameras.workers[0]
        for _ in range(200):
            if worker.stats.frames >= 2:
                break
            worker.join(0.05)
        assert worker.stats.state == "running"
        assert worker.source.name == "sim:BT-KDL-001/cam1"
    assert worker.stats.state == "stopped"
    assert worker.join(0)  # the thread is gone


def test_a_node_without_cameras_starts_none(
    api: Api, world: dict[str, Any], tmp_path: Path, reader: PlateReader
) -> None:
    with _node(api, tmp_path, [], reader, background=False) as (client, _):
        assert client.app.state.cameras is None  # type: ignore[attr-defined]
        assert client.get("/healthz").json()["ok"] is True
