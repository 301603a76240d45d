"""The camera worker end to end with the real plate reader: image sequences of real photos
(tests/data/plates) and rendered 蒙B plates, a video file, a parked vehicle, a dropped
stream, a clean stop."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.identification.plates import PlateReader
from gangting.kernel.clock import FixedClock
from gangting.node.cameras.manager import make_source
from gangting.node.cameras.simulated import EMPTY, Shot, park_shots, pass_shots
from gangting.node.cameras.sinks import MemorySink
from gangting.node.cameras.sources import (
    Frame,
    ImageSequenceSource,
    OpenCvSource,
    SourceUnavailable,
)
from gangting.node.cameras.spec import CameraSpec
from gangting.node.cameras.worker import Backoff, CameraWorker, ReadPolicy
from gangting.plate_reads.schemas import EVIDENCE_B64_MAX_CHARS
from tests.node.cameras.conftest import (
    T0,
    frames,
    photo_stills,
    rendered_stills,
    write_images,
    write_video,
)

BOOTH = "BT-KDL-001"


def _worker(
    source: object, reader: PlateReader, spec: CameraSpec | None = None, **kwargs: object
) -> tuple[CameraWorker, MemorySink]:
    sink = MemorySink()
    spec = spec or CameraSpec(id="lane-1", source="test", realtime=False)
    worker = CameraWorker(spec, source, reader, sink, booth_code=BOOTH, **kwargs)  # type: ignore[arg-type]
    return worker, sink


def _check_evidence(b64: str | None) -> NDArray[np.uint8]:
    assert b64 is not None and len(b64) <= EVIDENCE_B64_MAX_CHARS
    image = cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] <= 320
    return np.asarray(image, dtype=np.uint8)


def test_real_photos_one_event_per_pass_and_the_parked_car_once(
    tmp_path: Path, reader: PlateReader, camera_clock: FixedClock
) -> None:
    stills = photo_stills("ccpd_002", "ccpd_004", "ccpd_012", "ccpd_025")
    shots: list[Shot] = [EMPTY] * 3
    shots += pass_shots(0) + [EMPTY] * 6
    shots += pass_shots(1) + [EMPTY] * 6
    shots += park_shots(2, stay=30) + [EMPTY] * 6  # stands 15 s: longer than periodic_s
    shots += pass_shots(3) + [EMPTY] * 4
    folder = write_images(tmp_path / "seq", frames(stills, shots))
    source = ImageSequenceSource(folder, fps=2.0, clock=camera_clock)
    worker, sink = _worker(source, reader)

    worker.run()

    assert [e.plate for e in sink.events] == [s.plate for s in stills]
    assert worker.stats.state == "ended"
    assert worker.stats.frames == len(shots)
    # the empty road and the parked car are not read frame after frame
    assert worker.stats.skipped >= 40
    assert worker.stats.read + worker.stats.skipped == len(shots)
    for event in sink.events:
        assert event.booth == BOOTH and event.camera == "lane-1"
        assert event.v == "1.0"
        assert event.event_id.version == 7
        assert len(event.char_confidences) == len(event.plate)
        assert 0 < event.confidence <= 1
        assert event.frames >= 2 and event.agreeing <= event.frames
        assert T0 <= event.first_seen_at <= event.last_seen_at
        assert event.frame_size == (720, 1160)
        assert event.box is not None
        x1, y1, x2, y2 = event.box
        assert 0 <= x1 < x2 <= 720 and 0 <= y1 < y2 <= 1160
        _check_evidence(event.evidence_jpeg_b64)
    # times come from the sequence's clock: frame i is shown at T0 + i / 2 s
    first_pass = sink.events[0]
    assert T0 + timedelta(seconds=1.5) <= first_pass.first_seen_at
    assert first_pass.last_seen_at <= T0 + timedelta(seconds=4.5)
    parked = sink.events[2]
    assert parked.plate_type == "small" and parked.colour == "blue"


def test_rendered_mengb_plates_are_read_right(
    tmp_path: Path, reader: PlateReader, camera_clock: FixedClock
) -> None:
    plates = ["蒙B12345", "蒙BF23680", "蒙BA7K29"]
    stills = rendered_stills(tmp_path / "stills", plates)
    shots: list[Shot] = [EMPTY] * 2
    for i in range(len(stills)):
        shots += pass_shots(i) + [EMPTY] * 5
    source = ImageSequenceSource(
        write_images(tmp_path / "seq", frames(stills, shots)), fps=2.0, clock=camera_clock
    )
    worker, sink = _worker(source, reader)
    worker.run()
    assert [e.plate for e in sink.events] == plates
    assert sink.events[1].plate_type == "new_energy_small"
    assert sink.events[1].colour == "green"


def test_a_vehicle_parked_in_view_from_the_start_is_reported_once(
    reader: PlateReader, camera_clock: FixedClock, tmp_path: Path
) -> None:
    image = frames(photo_stills("ccpd_012"), [Shot(0)])[0]
    folder = write_images(tmp_path / "parked", [image] * 60)  # 30 s at 2 fps, nothing moves
    source = ImageSequenceSource(folder, fps=2.0, clock=camera_clock)
    worker, sink = _worker(source, reader, policy=ReadPolicy(periodic_s=10.0, follow_frames=2))
    worker.run()
    assert [e.plate for e in sink.events] == ["皖A931Y9"]
    # the first frame, two follow-ups, and the same again every 10 s: not 60 reads
    assert worker.stats.read == 9
    assert worker.stats.skipped == 51


def test_a_video_file_is_read_and_looked_at_at_the_spec_fps(
    tmp_path: Path, reader: PlateReader, camera_clock: FixedClock
) -> None:
    stills = photo_stills("ccpd_004", "ccpd_025")
    # 10 fps: each pass shown twice as long (12 frames) as at the demo's pace
    shots = [EMPTY] * 4
    for i in range(2):
        shots += [s for s in pass_shots(i, 12)] + [EMPTY] * 20
    video = write_video(tmp_path / "lane.mp4", frames(stills, shots), fps=10)
    spec = CameraSpec(id="lane-2", source=str(video), fps=5, realtime=False)
    source = make_source(spec, clock=camera_clock, booth_code=BOOTH)
    assert isinstance(source, OpenCvSource) and not source.live
    worker, sink = _worker(source, reader, spec=spec)
    worker.run()
    assert [e.plate for e in sink.events] == ["皖AFL605", "皖AWT614"]
    assert worker.stats.state == "ended"
    assert worker.stats.frames + worker.stats.decimated == len(shots)
    assert worker.stats.decimated == pytest.approx(len(shots) / 2, abs=2)
    # media time: the first pass starts at frame 4 of a 10 fps file
    assert sink.events[0].first_seen_at >= T0 + timedelta(seconds=0.4)


def test_an_avi_file_plays_too(tmp_path: Path, reader: PlateReader) -> None:
    stills = photo_stills("ccpd_012")
    video = write_video(
        tmp_path / "lane.avi", frames(stills, [EMPTY] * 2 + pass_shots(0) + [EMPTY] * 4), fps=2
    )
    spec = CameraSpec(id="lane-3", source=str(video), realtime=False)
    worker, sink = _worker(make_source(spec, clock=FixedClock(T0), booth_code=BOOTH), reader)
    worker.run()
    assert [e.plate for e in sink.events] == ["皖A931Y9"]


class FlakyCamera:
    """A live camera that drops its stream after ``drop_after`` frames and then refuses
    ``failed_opens`` reconnections before it works again. Each frame is 0.5 s later."""

    live = True
    fps = 2.0
    name = "flaky"

    def __init__(
        self, images: list[NDArray[np.uint8]], clock: FixedClock, drop_after: int, failed: int
    ) -> None:
        self.images = images
        self.clock = clock
        self.drop_after = drop_after
        self.failed = failed
        self.opens = 0
        self.pos = 0
        self.dropped = False
        self.played = threading.Event()

    def open(self) -> None:
        self.opens += 1
        if self.dropped and self.failed > 0:
            self.failed -= 1
            raise SourceUnavailable("camera unreachable")

    def read(self) -> Frame | None:
        if self.pos == self.drop_after and not self.dropped:
            self.dropped = True
            return None
        if self.pos >= len(self.images):
            self.played.set()
            return None
        self.clock.advance(timedelta(seconds=0.5))
        frame = Frame(self.images[self.pos], self.clock.now(), self.pos)
        self.pos += 1
        return frame

    @property
    def ended(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_a_dropped_stream_is_reopened_with_backoff_and_the_pass_goes_on(
    reader: PlateReader, camera_clock: FixedClock
) -> None:
    stills = photo_stills("ccpd_004", "ccpd_025")
    images = frames(stills, [EMPTY] * 2 + pass_shots(0) + [EMPTY] * 5 + pass_shots(1) + [EMPTY])
    camera = FlakyCamera(images, camera_clock, drop_after=2 + 6 + 5 + 3, failed=2)  # mid-pass
    worker, sink = _worker(camera, reader, backoff=Backoff(initial_s=0.01, max_s=0.05))
    worker.start()
    assert camera.played.wait(30)
    assert worker.stop(timeout_s=10)
    assert camera.opens >= 4  # first open, two refused, then back
    assert worker.stats.drops >= 3
    assert worker.stats.state == "stopped"
    # the second car's pass was cut by the drop, yet it is one event (flushed at the stop)
    assert [e.plate for e in sink.events] == ["皖AFL605", "皖AWT614"]


def test_a_missing_file_is_retried_until_it_appears(
    tmp_path: Path, reader: PlateReader, camera_clock: FixedClock
) -> None:
    video = tmp_path / "later.avi"
    spec = CameraSpec(id="lane-4", source=str(video), realtime=False)
    source = make_source(spec, clock=camera_clock, booth_code=BOOTH)
    worker, sink = _worker(source, reader, backoff=Backoff(initial_s=0.02, max_s=0.1))
    worker.start()
    images = frames(photo_stills("ccpd_025"), [EMPTY] * 2 + pass_shots(0) + [EMPTY] * 4)
    staged = write_video(tmp_path / "staging.avi", images, fps=2)
    for _ in range(100):
        if worker.stats.drops >= 2:
            break
        threading.Event().wait(0.02)
    staged.rename(video)
    assert worker.join(30)
    assert worker.stats.drops >= 2
    assert worker.stats.state == "ended"
    assert [e.plate for e in sink.events] == ["皖AWT614"]


def test_stop_is_prompt_while_waiting_to_reconnect(reader: PlateReader) -> None:
    source = OpenCvSource("/nonexistent/camera.mp4", clock=FixedClock(T0), live=False)
    worker, _ = _worker(source, reader, backoff=Backoff(initial_s=60, max_s=60))
    worker.start()
    for _ in range(100):
        if worker.stats.state == "reconnecting":
            break
        threading.Event().wait(0.01)
    assert worker.stats.state == "reconnecting"
    assert worker.stop(timeout_s=2)
    assert worker.stats.state == "stopped"


def test_the_packaged_simulated_camera_shows_every_demo_vehicle_once(
    reader: PlateReader, camera_clock: FixedClock
) -> None:
    spec = CameraSpec(id="cam1", source="sim:test", realtime=False, loop=False)
    source = make_source(spec, clock=camera_clock, booth_code=BOOTH)
    worker, sink = _worker(source, reader, spec=spec)
    expected = source.expected_plates()  # type: ignore[attr-defined]
    assert len(expected) == 11 and sum(p.startswith("蒙B") for p in expected) == 4
    worker.run()
    assert [e.plate for e in sink.events] == expected
    assert worker.stats.skipped > worker.stats.frames / 3
