"""Camera specs and sources: what a spec's source names, settings from the environment,
image sequences and their timing, stream URLs kept out of the logs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from gangting.kernel.clock import FixedClock
from gangting.node.cameras.manager import make_source
from gangting.node.cameras.simulated import SimulatedCamera, packaged_stills
from gangting.node.cameras.sources import (
    ImageSequenceSource,
    OpenCvSource,
    SourceUnavailable,
)
from gangting.node.cameras.spec import CameraSpec
from gangting.node.config import NodeSettings
from tests.node.cameras.conftest import T0


def test_cameras_come_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "GANGTING_CAMERAS",
        '[{"id": "lane-1", "source": "rtsp://10.0.0.9/live", "fps": 5},'
        ' {"id": "sim", "source": "sim"}]',
    )
    cameras = NodeSettings().cameras
    assert [c.id for c in cameras] == ["lane-1", "sim"]
    assert cameras[0].fps == 5 and cameras[1].fps is None and cameras[1].realtime is True
    assert NodeSettings(cameras=[]).cameras == []


def test_a_spec_names_its_source(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    image = tmp_path / "one.jpg"
    cv2.imwrite(str(image), np.zeros((20, 20, 3), np.uint8))

    def source(text: str) -> object:
        return make_source(CameraSpec(id="c", source=text), clock=clock, booth_code="BT-X-001")

    sim = source("sim")
    assert isinstance(sim, SimulatedCamera) and sim.name == "sim:BT-X-001/c" and sim.loop
    assert sim.fps == 2.0
    device = source("0")
    assert isinstance(device, OpenCvSource) and device.live and device.target == 0
    stream = source("rtsp://admin:secret@10.0.0.9:554/live")
    assert isinstance(stream, OpenCvSource) and stream.live
    assert stream.name == "rtsp://***@10.0.0.9:554/live"  # no password in the logs
    assert isinstance(source(str(tmp_path)), ImageSequenceSource)
    assert isinstance(source(str(image)), ImageSequenceSource)
    video = source(str(tmp_path / "lane.mp4"))
    assert isinstance(video, OpenCvSource) and not video.live


def test_an_image_sequence_plays_at_its_rate_and_skips_unreadable_files(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((10, 10, 3), i * 50, np.uint8))
    (tmp_path / "1b.jpg").write_bytes(b"not an image")
    clock = FixedClock(T0)
    source = ImageSequenceSource(tmp_path, fps=4.0, clock=clock)
    source.open()
    got = []
    while (frame := source.read()) is not None:
        got.append(frame)
    assert source.ended
    assert [int(f.image[0, 0, 0]) for f in got] == [0, 50, 100]
    assert [f.at for f in got] == [T0, T0 + timedelta(seconds=0.25), T0 + timedelta(seconds=0.75)]


def test_a_looping_sequence_never_ends_and_its_time_runs_on(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((10, 10, 3), np.uint8))
    source = ImageSequenceSource(tmp_path, fps=2.0, clock=FixedClock(T0), loop=True)
    source.open()
    times = [f.at for f in (source.read() for _ in range(5)) if f is not None]
    assert times[-1] == T0 + timedelta(seconds=2) and not source.ended


def test_sources_that_are_not_there_are_unavailable(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    with pytest.raises(SourceUnavailable):
        OpenCvSource(str(tmp_path / "none.mp4"), clock=clock, live=False).open()
    with pytest.raises(SourceUnavailable):
        OpenCvSource("rtsp://127.0.0.1:1/live", clock=clock, live=True, timeout_s=1).open()
    with pytest.raises(SourceUnavailable):
        ImageSequenceSource(tmp_path, clock=clock).open()  # an empty folder


def test_the_packaged_stills_are_small_and_labelled() -> None:
    stills = packaged_stills()
    assert len(stills) == 11
    assert sum(s.path.stat().st_size for s in stills) <= 3_000_000
    assert {s.plate[:2] for s in stills} == {"皖A", "蒙B"}
    assert all(s.path.exists() for s in stills)


def test_a_looping_sequence_of_unreadable_files_ends_instead_of_spinning(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"broken")
    (tmp_path / "b.jpg").write_bytes(b"broken too")
    source = ImageSequenceSource(tmp_path, clock=FixedClock(T0), loop=True)
    source.open()
    assert source.read() is None
    assert source.ended
