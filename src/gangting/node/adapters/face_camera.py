"""Face camera port: frames of the citizen for the live-face check (人证核验).

The identify step asks the citizen to look at the camera (phase ``look``), then to turn
the head to one side and back (phase ``turn``); the port hands over ``count`` BGR frames
of each phase. The node compares the best frontal frame with the ID card's chip photo
and tracks the head's yaw over all frames (``gangting.identification.faces``). Frames are
only held by the caller for the length of the check and are never written anywhere
(face data is sensitive personal information, PIPL 第28条).

``OpenCvFaceCamera`` reads a camera (device index "0", an RTSP URL) or a video file
through OpenCV: a device or stream is sampled evenly over the phase's seconds; a file is
read frame by frame (tests, replays). ``SimulatedFaceCamera`` (demo, tests) shows one of
the packaged people (``sim_faces``) in a scene set through /kiosk/api/sim/face:
``genuine`` (the card holder, who turns the head when asked), ``impostor`` (someone else,
who also turns), ``still`` (a photo of the holder held up: no turn) and ``no_face``
(nobody in view). The head turn is synthesised from the photo (``sim_faces.turn_head``) so
the real landmark-based liveness code decides it.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from gangting.node.adapters import sim_faces
from gangting.node.errors import DeviceFault

Frame = NDArray[np.uint8]
Phase = Literal["look", "turn"]
Scene = Literal["genuine", "impostor", "still", "no_face"]
SCENES: tuple[Scene, ...] = ("genuine", "impostor", "still", "no_face")


class FaceCamera(Protocol):
    def capture(self, phase: Phase, count: int) -> list[Frame]:
        """``count`` frames of the phase, oldest first (DeviceFault when the camera fails)."""
        ...

    def release(self) -> None:
        """The check is over: let go of the device (and of any frame it holds)."""
        ...


def turn_profile(count: int, peak_deg: float = 32.0) -> list[float]:
    """Head angles of a turn and back over ``count`` frames: a smooth arc up to
    ``peak_deg`` and down again, then at least two frames facing the camera."""
    if count < 3:
        raise ValueError("a turn needs at least 3 frames")
    back = max(2, count // 4)
    arc = count - back
    return [round(peak_deg * math.sin(math.pi * (i + 1) / (arc + 1)), 2) for i in range(arc)] + [
        0.0
    ] * back


class SimulatedFaceCamera:
    """Frames of one of the packaged people; who stands there follows the card on the
    (simulated) reader: ``holder`` answers its ID number."""

    def __init__(self, holder: Callable[[], str | None], scene: Scene = "genuine") -> None:
        self.holder = holder
        self.scene: Scene = scene
        self._turns = 0

    def _person(self) -> sim_faces.SimPerson:
        id_number = self.holder()
        card_holder = sim_faces.person_for(id_number) if id_number else sim_faces.people()[0]
        return sim_faces.someone_else(card_holder) if self.scene == "impostor" else card_holder

    def capture(self, phase: Phase, count: int) -> list[Frame]:
        person = self._person()
        frame = person.live_frame()
        lm = person.landmarks
        front = person.frontal_warp_deg
        # a person (or a hand holding a photo) is never perfectly still: small shifts
        shifts = [(((i * 7) % 5) - 2.0, ((i * 3) % 5) - 2.0) for i in range(count)]
        if self.scene == "no_face":
            empty = sim_faces.empty_scene(frame)
            return [empty.copy() for _ in range(count)]
        if self.scene == "still" or phase == "look":
            jitter = 0.0 if self.scene == "still" else 0.6
            return [
                sim_faces.turn_head(frame, lm, front + jitter * ((i % 3) - 1), shift=shifts[i])
                for i in range(count)
            ]
        self._turns += 1
        side = 1.0 if self._turns % 2 else -1.0  # turns to either side, alternately
        return [
            sim_faces.turn_head(frame, lm, front + side * angle, shift=shifts[i])
            for i, angle in enumerate(turn_profile(count))
        ]

    def release(self) -> None:
        return None


class OpenCvFaceCamera:
    """A real camera through OpenCV ``VideoCapture``, opened for one check and released
    after it. ``seconds`` is how long each phase lasts on a live device or stream."""

    def __init__(self, source: str, seconds: dict[str, float] | None = None) -> None:
        self._source: int | str = int(source) if source.isdigit() else source
        self._live = isinstance(self._source, int) or "://" in str(self._source)
        self.seconds = {"look": 1.0, "turn": 3.0, **(seconds or {})}
        self._capture: Any = None

    def _open(self) -> Any:
        if self._capture is None:
            try:
                cv2: Any = importlib.import_module("cv2")
            except ImportError as exc:
                raise DeviceFault("摄像头不可用，请联系工作人员") from exc
            capture = cv2.VideoCapture(self._source)
            if not capture.isOpened():
                capture.release()
                raise DeviceFault("摄像头未能打开，请联系工作人员")
            self._capture = capture
        return self._capture

    def capture(self, phase: Phase, count: int) -> list[Frame]:
        capture = self._open()
        frames: list[Frame] = []
        interval = self.seconds[phase] / count if self._live else 0.0
        next_at = time.monotonic()
        deadline = next_at + self.seconds[phase] + 2.0
        while len(frames) < count and time.monotonic() < deadline:
            ok, frame = capture.read()
            if not ok:
                break
            if time.monotonic() >= next_at:
                frames.append(frame)
                next_at += interval
        if not frames:
            raise DeviceFault("摄像头未取得画面，请联系工作人员")
        return frames

    def release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()
