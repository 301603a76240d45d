"""The demo's simulated camera keeps showing new vehicles: after its packaged scene a
looping camera draws endless traffic (new 蒙B plates rendered onto its photos, listed
vehicles now and then, varied timing), and the real plate reader reads it as new passes,
so the live feed and the watch-list hits of the demo do not stop after a minute."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from gangting.identification.plates import PlateReader
from gangting.identification.plates.grammar import is_valid
from gangting.kernel.clock import FixedClock
from gangting.node.cameras.manager import make_source
from gangting.node.cameras.render import font_path
from gangting.node.cameras.simulated import SimulatedCamera, Still, Traffic, packaged_stills
from gangting.node.cameras.sinks import MemorySink
from gangting.node.cameras.spec import CameraSpec
from gangting.node.cameras.worker import CameraWorker
from gangting.node.centre import CentreClient
from gangting.node.store import NodeStore
from gangting.node.watch_list import WatchListCopy
from tests.node.cameras.conftest import T0

LISTED = ["蒙B8H321", "蒙BD51863", "蒙B03417", "蒙BQ7710", "蒙B12345学"]  # the last: not drawn
HOLD = timedelta(minutes=5)  # the tracker's


needs_font = pytest.mark.skipif(font_path() is None, reason="Noto Sans CJK is not installed")


def _small_stills(folder: Path) -> list[Still]:
    """Two small photos with a plate area each (fast to draw over hours of frames)."""
    stills = []
    for i in range(2):
        path = folder / f"car{i}.jpg"
        cv2.imwrite(str(path), np.full((116, 72, 3), 60 + 40 * i, np.uint8))
        corners = ((20.0, 80.0), (52.0, 80.0), (52.0, 90.0), (20.0, 90.0))
        stills.append(Still(path, f"皖A0000{i}", "test", corners))
    return stills


def _vehicles(camera: SimulatedCamera, frames: int) -> list[tuple[float, float, str]]:
    """(first second, last second, plate) of every vehicle the camera showed."""
    shown: list[tuple[float, float, str]] = []
    previous: str | None = None
    camera.open()
    for _ in range(frames):
        frame = camera.read()
        assert frame is not None
        t = (frame.at - T0).total_seconds()
        if camera.showing is not None and camera.showing != previous:
            shown.append((t, t, camera.showing))
        elif camera.showing is not None:
            shown[-1] = (shown[-1][0], t, camera.showing)
        previous = camera.showing
    return shown


@needs_font
def test_a_looping_simulated_camera_keeps_showing_new_vehicles_and_listed_ones(
    tmp_path: Path,
) -> None:
    camera = SimulatedCamera(
        clock=FixedClock(T0),
        seed="BT-KDL-001/cam1",
        stills=_small_stills(tmp_path),
        traffic=Traffic(listed=lambda: LISTED),
    )
    hours = 2
    shown = _vehicles(camera, int(hours * 3600 * camera.fps))
    plates = [p for _, _, p in shown]
    scene = len(camera.shots) / camera.fps
    assert len(shown) > hours * 3600 / 20  # a vehicle every few seconds, all along
    assert shown[-1][0] > hours * 3600 - 60  # still coming at the end
    assert len(set(plates)) > 0.9 * len(plates)
    assert all(is_valid(p) and p.startswith("蒙B") for p in plates[2:])
    # a plate comes back only long after the tracker's hold: each pass is a new read
    last: dict[str, float] = {}
    for first, end, plate in shown:
        assert plate not in last or first - last[plate] > 2 * HOLD.total_seconds()
        last[plate] = end
    # listed vehicles: the first after the scene, then regularly (every half hour at least)
    listed = [(first, p) for first, _, p in shown if p in LISTED]
    assert listed[0][0] < scene + 30
    assert {p for _, p in listed} == set(LISTED[:4])  # never the plate it cannot draw
    times = [scene] + [t for t, _ in listed] + [hours * 3600]
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) < 30 * 60
    # varied timing: gaps between vehicles differ, and each is longer than the tracker's gap
    gaps = [b[0] - a[1] for a, b in zip(shown, shown[1:], strict=False)]
    assert min(gaps) >= 2.0 and len({round(g) for g in gaps}) > 5


def test_without_the_font_the_packaged_scene_plays_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gangting.node.cameras.simulated.font_path", lambda: None)
    camera = SimulatedCamera(
        clock=FixedClock(T0), seed="s", stills=_small_stills(tmp_path), traffic=Traffic()
    )
    assert not camera.renders
    plates = {p for _, _, p in _vehicles(camera, 3 * len(camera.shots))}
    assert plates == {"皖A00000", "皖A00001"}


@needs_font
def test_the_demo_camera_is_read_as_new_passes_after_its_scene(
    reader: PlateReader, camera_clock: FixedClock
) -> None:
    """The packaged camera as the demo runs it: the scene's vehicles, then new ones read by
    the real plate reader (before: the scene again, every repeat suppressed by the hold)."""
    spec = CameraSpec(id="cam1", source="sim", realtime=False, loop=True)
    source = make_source(spec, clock=camera_clock, booth_code="BT-KDL-001", listed=lambda: LISTED)
    assert isinstance(source, SimulatedCamera) and source.stills == packaged_stills()
    sink = MemorySink()
    worker = CameraWorker(spec, source, reader, sink, booth_code="BT-KDL-001")
    source.open()
    worker.gate.reset()
    scene = len(source.expected_plates())
    shown: list[str] = []
    for _ in range(len(source.shots) + 240):  # the scene, then two minutes of traffic
        frame = source.read()
        assert frame is not None
        worker.process(frame)
        if source.showing is not None and (not shown or shown[-1] != source.showing):
            shown.append(source.showing)
    worker.flush()
    after = [e.plate for e in sink.events[scene:]]
    assert len(after) >= 6  # new passes keep coming
    assert len(set(after)) == len(after) and not set(after) & set(source.expected_plates())
    assert set(after) <= set(shown)  # read right: each is a plate the camera showed
    assert after[0] in LISTED  # the first vehicle after the scene is a listed one


def test_the_watch_list_copy_names_the_plates_listed_now(tmp_path: Path) -> None:
    """What a booth's simulated traffic draws its listed vehicles from."""
    entries = [
        {"id": str(uuid.uuid4()), "plate_no": "蒙B8H321", "reason_kind": "stolen"},
        {"id": str(uuid.uuid4()), "plate_no": "蒙B8H321", "reason_kind": "overdue_inspection"},
        {"id": str(uuid.uuid4()), "plate_no": "蒙B03417", "reason_kind": "manual"},
        {
            "id": str(uuid.uuid4()),
            "plate_no": "蒙BQ7710",
            "reason_kind": "manual",
            "expires_at": (T0 - timedelta(hours=1)).isoformat(),
        },
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/booth":
            return httpx.Response(200, json={"access_token": "t"})
        return httpx.Response(
            200, json={"version": 1, "full": True, "entries": entries, "removals": []}
        )

    centre = CentreClient("http://centre", "BT-T-001", "s", transport=httpx.MockTransport(answer))
    copy = WatchListCopy(NodeStore(tmp_path / "booth.db"), centre, clock=FixedClock(T0))
    assert copy.plates() == []
    copy.refresh()
    assert copy.plates() == ["蒙B03417", "蒙B8H321"]  # once each, the expired one left out
