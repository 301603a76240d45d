"""A real network camera (MJPEG over HTTP, read by OpenCV's FFmpeg backend) that drops its
stream and refuses a reconnection: the worker reconnects with backoff and every vehicle is
still reported once."""

from __future__ import annotations

import http.server
import socketserver
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.identification.plates import PlateReader
from gangting.node.cameras.manager import make_source
from gangting.node.cameras.simulated import EMPTY, pass_shots
from gangting.node.cameras.sinks import MemorySink
from gangting.node.cameras.sources import OpenCvSource
from gangting.node.cameras.spec import CameraSpec
from gangting.node.cameras.worker import Backoff, CameraWorker
from tests.node.cameras.conftest import T0, frames, photo_stills


class TickingClock:
    """Each look at the clock is half a second later: a live camera at 2 fps."""

    def __init__(self) -> None:
        self.t = T0
        self.lock = threading.Lock()

    def now(self) -> datetime:
        with self.lock:
            self.t += timedelta(seconds=0.5)
            return self.t

    def today(self):  # type: ignore[no-untyped-def]
        return self.t.date()


class Camera:
    """Serves the frames in connections: ``plan`` says, per connection, how many frames it
    sends before it hangs up (0: it refuses with a 503)."""

    def __init__(self, images: list[NDArray[np.uint8]], plan: list[int]) -> None:
        self.jpegs = [
            bytes(cv2.imencode(".jpg", i, [cv2.IMWRITE_JPEG_QUALITY, 90])[1]) for i in images
        ]
        self.plan = plan
        self.sent = 0
        self.connections = 0
        self.done = threading.Event()

    def serve(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        n = self.plan[self.connections] if self.connections < len(self.plan) else 0
        self.connections += 1
        if n == 0 or self.sent >= len(self.jpegs):
            handler.send_error(503, "camera busy")
            if self.sent >= len(self.jpegs):
                self.done.set()
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        handler.end_headers()
        for jpeg in self.jpegs[self.sent : self.sent + n]:
            head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            handler.wfile.write(head.encode() + jpeg + b"\r\n")
            self.sent += 1
        handler.wfile.flush()  # then the connection closes: the stream dropped


@pytest.fixture
def camera_server() -> Iterator[tuple[Camera, str]]:
    stills = photo_stills("ccpd_004", "ccpd_025")
    images = frames(stills, [EMPTY] * 2 + pass_shots(0) + [EMPTY] * 5 + pass_shots(1) + [EMPTY] * 5)
    # 16 frames (into the second pass), a refused reconnection, then the rest
    camera = Camera(images, plan=[16, 0, len(images) - 16])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            camera.serve(self)

        def log_message(self, *args: object) -> None:
            pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield camera, f"http://127.0.0.1:{server.server_address[1]}/lane.mjpg"
    server.shutdown()
    server.server_close()


def test_a_network_camera_that_drops_is_reconnected(
    camera_server: tuple[Camera, str], reader: PlateReader
) -> None:
    camera, url = camera_server
    spec = CameraSpec(id="lane-1", source=url)
    source = make_source(spec, clock=TickingClock(), booth_code="BT-KDL-001")
    assert isinstance(source, OpenCvSource) and source.live
    sink = MemorySink()
    worker = CameraWorker(
        spec,
        source,
        reader,
        sink,
        booth_code="BT-KDL-001",
        backoff=Backoff(initial_s=0.05, max_s=0.2),
    )
    worker.start()
    assert camera.done.wait(60)
    assert worker.stop(timeout_s=10)
    assert camera.connections >= 4
    assert worker.stats.drops >= 3  # two hang-ups and at least one refusal
    assert worker.stats.frames == len(camera.jpegs)
    assert [e.plate for e in sink.events] == ["皖AFL605", "皖AWT614"]
