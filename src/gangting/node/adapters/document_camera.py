"""Document camera port (高拍仪): one still image of the document on the tray.

At a booth the ID-card chip reader is the primary source; the document camera is the
fallback when the chip cannot be read (the card front is read by OCR) and the way to
read paper documents such as a driver's health certificate.

``OpenCvDocumentCamera`` takes one frame from a camera (device index "0", an RTSP URL) or
an image/video file through OpenCV; document cameras (高拍仪) are UVC devices, so
``cv2.VideoCapture`` opens them as it opens a webcam. A few frames are dropped first so
that auto exposure settles. The image is handed to the caller and never written anywhere.

``SimulatedDocumentCamera`` (demo, tests) renders what lies on the tray, set through
/kiosk/api/sim/document: the front of the card on the simulated reader (its portrait is
the holder's chip photo), the same card with a wrong check character (a tampered card),
or a health certificate of the card's holder (合格, 不合格 or older than six months).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from gangting.node.adapters import sim_documents
from gangting.node.adapters.id_reader import IdCard
from gangting.node.errors import DeviceFault

Frame = NDArray[np.uint8]
Tray = Literal[
    "id_card",
    "id_card_tampered",
    "health_certificate",
    "health_certificate_failed",
    "health_certificate_expired",
    "empty",
]
TRAYS: tuple[Tray, ...] = (
    "id_card",
    "id_card_tampered",
    "health_certificate",
    "health_certificate_failed",
    "health_certificate_expired",
    "empty",
)


class DocumentCamera(Protocol):
    def capture(self) -> Frame:
        """One BGR image of the tray (DeviceFault when the camera fails)."""
        ...


class OpenCvDocumentCamera:
    """A real document camera through OpenCV ``VideoCapture``, opened for one shot."""

    def __init__(self, source: str, warmup_frames: int = 5) -> None:
        self._source: int | str = int(source) if source.isdigit() else source
        self.warmup_frames = warmup_frames

    def capture(self) -> Frame:
        try:
            cv2: Any = importlib.import_module("cv2")
        except ImportError as exc:
            raise DeviceFault("拍摄区摄像头不可用，请联系工作人员") from exc
        capture = cv2.VideoCapture(self._source)
        try:
            if not capture.isOpened():
                raise DeviceFault("拍摄区摄像头未能打开，请联系工作人员")
            frame = None
            live = isinstance(self._source, int) or "://" in str(self._source)
            for _ in range(self.warmup_frames + 1 if live else 1):
                ok, got = capture.read()
                if ok:
                    frame = got
            if frame is None:
                raise DeviceFault("拍摄区摄像头未取得画面，请联系工作人员")
            return np.asarray(frame, dtype=np.uint8)
        finally:
            capture.release()


def _birth_and_sex(id_number: str) -> tuple[date, str]:
    if len(id_number) == 18:
        born, seq = id_number[6:14], id_number[16]
    else:  # 15-digit first-generation number: yyMMdd, 19xx
        born, seq = "19" + id_number[6:12], id_number[-1]
    try:
        birth = date(int(born[:4]), int(born[4:6]), int(born[6:8]))
    except ValueError:
        birth = date(1970, 1, 1)
    return birth, "男" if int(seq) % 2 else "女"


def _wrong_check(id_number: str) -> str:
    return id_number[:-1] + ("0" if id_number[-1] != "0" else "1")


class SimulatedDocumentCamera:
    """Renders the document on the tray for the card on the simulated reader
    (``card`` answers it, chip readable or not); ``today`` dates the certificates."""

    ADDRESS = "内蒙古包头市昆都仑区钢铁大街57号7栋3单元502号"
    INSTITUTION = "包头市中心医院"

    def __init__(
        self,
        card: Callable[[], IdCard | None],
        today: Callable[[], date] = date.today,
        tray: Tray = "id_card",
    ) -> None:
        self.card = card
        self.today = today
        self.tray: Tray = tray

    def capture(self) -> Frame:
        card = self.card()
        if self.tray == "empty" or card is None:
            return np.full((960, 1280, 3), (103, 95, 95), np.uint8)
        birth, sex = _birth_and_sex(card.id_number)
        if self.tray.startswith("id_card"):
            number = card.id_number
            if self.tray == "id_card_tampered":
                number = _wrong_check(number)
            front = sim_documents.CardFront(
                card.name, sex, "汉", birth, self.ADDRESS, number, card.photo
            )
            return sim_documents.on_desk(sim_documents.render_id_card(front))
        examined = self.today() - timedelta(days=200 if self.tray.endswith("expired") else 20)
        form = sim_documents.HealthForm(
            # a certificate is used once: a new number for every shot (the demo repeats)
            certificate_no=f"150200{examined:%Y%m%d}{time.time_ns() // 1_000_000 % 10**4:04d}",
            name=card.name,
            sex=sex,
            birth_date=birth,
            id_number=card.id_number,
            institution=self.INSTITUTION,
            examined_on=examined,
            conclusion="不合格" if self.tray.endswith("failed") else "合格",
        )
        return sim_documents.on_desk(sim_documents.render_health_form(form), fill=0.95)
