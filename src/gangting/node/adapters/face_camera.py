"""Face camera port: compare the live face with the ID card and give a score 0–1.

The simulator returns the score set through /kiosk/api/sim/face. ``OpenCvFaceCamera`` grabs
one frame from a VideoCapture source (device index "0" or a video/image file), checks that
one face is in view (OpenCV's bundled Haar cascade) and hands the frame to ``matcher`` —
the certified 人证比对 engine of the deployment (a callable frame, card -> score), since
OpenCV alone does not compare faces. OpenCV (``opencv-python-headless``) is imported lazily:
the node runs without it. The frame is never stored (face data is sensitive, PIPL).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from gangting.node.adapters.id_reader import IdCard
from gangting.node.errors import DeviceFault


class FaceCamera(Protocol):
    def match(self, card: IdCard) -> float: ...


class SimulatedFaceCamera:
    def __init__(self, score: float = 0.93) -> None:
        self.score = score

    def match(self, card: IdCard) -> float:
        return self.score


class OpenCvFaceCamera:
    def __init__(self, source: str, matcher: Callable[[Any, IdCard], float]) -> None:
        self._source: int | str = int(source) if source.isdigit() else source
        self._matcher = matcher

    def match(self, card: IdCard) -> float:
        try:
            cv2: Any = importlib.import_module("cv2")
        except ImportError as exc:
            raise DeviceFault("摄像头不可用，请联系工作人员") from exc
        capture = cv2.VideoCapture(self._source)
        try:
            ok, frame = capture.read()
        finally:
            capture.release()
        if not ok:
            raise DeviceFault("摄像头未取得画面，请联系工作人员")
        cascade = cv2.CascadeClassifier(
            cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        )
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if len(cascade.detectMultiScale(gray, 1.1, 5)) != 1:
            return 0.0  # no face, or more than one person in view
        try:
            return float(self._matcher(frame, card))
        finally:
            del frame, gray
