"""Reading documents at the booth by OCR: the ID-card front when the chip cannot be read,
and the driver's health certificate (``gangting.identification.documents``).

    card = read_card_front(frame, on=today)      # IdCard with the printed portrait
    prefill = read_certificate(frame, on=today)  # institution, date, conclusion

The card is found in the document camera's frame (the largest four-cornered bright shape),
squared to 856 x 540, read by OCR, and its printed portrait is cut from the fixed photo
box of the card front (right third, upper three quarters) to be the reference photo of
the live-face check, as the chip photo is on the chip path. A read that does not hold
together (a field missing, a wrong GB 11643-1999 check character, a birth date that
disagrees with the number) is refused with the reader's zh-CN reasons. Images are held
for the call only; nothing is written or logged but numbers.

The node's OCR engine runs one onnxruntime thread per model (``OCR_THREADS``) and is loaded
in the background when the node starts (``preload_ocr``). A booth shares its few cores with
its plate cameras: with two threads per model, the threads wait on each other for a core
the other work holds. Measured on a shared 2-core machine (load 6-8): a health certificate
took 3.8-6.9 s with two threads against 2.2-4.0 s with one, and 10.5-12.6 s against
3.6-7.7 s with three busy processes beside it. The demo's 73 s (three booths with plate
cameras on one machine, a cold engine) is this contention, larger.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.identification.documents import (
    OcrEngine,
    read_health_certificate,
    read_id_card,
    shared_engine,
)
from gangting.kernel.decision import Reason
from gangting.kernel.errors import Conflict
from gangting.node.adapters.id_reader import IdCard

Frame = NDArray[np.uint8]
CARD_W, CARD_H = 856, 540  # ISO/IEC 7810 ID-1 at 0.1 mm per pixel
# The printed portrait on a card front, as fractions of the card: right third, upper 3/4.
PORTRAIT = (2 / 3, 0.0, 1.0, 0.75)
log = logging.getLogger("gangting.node")
OCR_THREADS = 1


def ocr_engine() -> OcrEngine:
    """The node's OCR engine (one per process, models loaded once)."""
    return shared_engine(threads=OCR_THREADS)


def preload_ocr() -> None:
    """Load the OCR models in a background thread (returns at once)."""

    def load() -> None:
        started = time.perf_counter()
        try:
            ocr_engine().load()
            log.info("OCR models loaded in %.0f ms", (time.perf_counter() - started) * 1000)
        except Exception:  # missing models: the first read says so to the citizen
            log.exception("OCR models failed to load")

    threading.Thread(target=load, name="ocr-models", daemon=True).start()


class DocumentRefused(Conflict):
    """The document was read but cannot be used (reasons in ``data``)."""

    code = "kiosk.document_refused"


class DocumentUnreadable(Conflict):
    code = "kiosk.document_unreadable"


def _reasons(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in reasons]


def find_card(frame: Frame) -> Frame:
    """The card squared to 856 x 540 (the frame resized when no card outline is found).

    The card is brighter than the desk: Otsu's threshold, the largest outer contour, its
    four-cornered approximation, then a perspective warp; a portrait-shaped quadrilateral
    (the card lying turned by 90 degrees) is turned upright."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    _, mask = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area = frame.shape[0] * frame.shape[1]
    best = max(contours, key=cv2.contourArea, default=None)
    if best is not None and cv2.contourArea(best) > 0.1 * area:
        quad = cv2.approxPolyDP(best, 0.02 * cv2.arcLength(best, True), True)
        if len(quad) == 4:
            pts = _order(quad.reshape(4, 2).astype(np.float32))
            w = float(np.linalg.norm(pts[1] - pts[0]))
            h = float(np.linalg.norm(pts[3] - pts[0]))
            if h > w:  # lying turned: start from the bottom-left corner
                pts = np.roll(pts, -3, axis=0)
            dst = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32)
            m = cv2.getPerspectiveTransform(pts, dst)
            warped = cv2.warpPerspective(frame, m, (CARD_W, CARD_H), flags=cv2.INTER_AREA)
            return np.asarray(warped, dtype=np.uint8)
    return np.asarray(cv2.resize(frame, (CARD_W, CARD_H), interpolation=cv2.INTER_AREA))


def _order(pts: NDArray[np.float32]) -> NDArray[np.float32]:
    """Corners clockwise from the top-left."""
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    corners = [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]]
    return np.array(corners, np.float32)


def portrait_crop(card: Frame) -> bytes:
    """The printed portrait of an upright 856 x 540 card front, as JPEG bytes."""
    h, w = card.shape[:2]
    x0, y0, x1, y1 = PORTRAIT
    crop = card[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)]
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:  # pragma: no cover - OpenCV encodes any non-empty BGR image
        raise DocumentUnreadable("未能读取身份证照片，请到人工窗口办理")
    return bytes(buf)


@dataclass(frozen=True)
class CardFrontRead:
    """An ID card read by OCR: the card for the identify step, the read for the screen."""

    card: IdCard
    fields: dict[str, Any]
    ms: float


def read_card_front(frame: Frame, *, on: date, engine: OcrEngine | None = None) -> CardFrontRead:
    """The ID card on the document camera as an ``IdCard`` whose ``photo`` is the printed
    portrait; DocumentRefused with reasons when the read does not hold together."""
    started = time.perf_counter()
    card = find_card(frame)
    read = read_id_card(card, engine=engine or ocr_engine(), on=on)
    if read.upside_down:
        card = np.ascontiguousarray(card[::-1, ::-1])
    ms = (time.perf_counter() - started) * 1000
    log.info("id card OCR: ok=%s %.0f ms", read.ok, ms)  # no fields: personal data
    f = read.fields
    if not read.ok or f.id_number is None or f.name is None:
        if not any(v is not None for v in (f.name, f.id_number, f.birth_date)):
            raise DocumentUnreadable(
                "未能识别身份证，请将身份证正面朝上平放在拍摄区后重试",
                data={"reasons": _reasons(read.reasons)},
            )
        raise DocumentRefused(
            "身份证信息核对未通过，请到人工窗口办理",
            data={"reasons": _reasons(read.reasons)},
        )
    fields = read.to_dict()["fields"]
    return CardFrontRead(IdCard(f.id_number, f.name, portrait_crop(card)), fields, ms)


def read_certificate(frame: Frame, *, on: date, engine: OcrEngine | None = None) -> dict[str, Any]:
    """The health certificate's key items for the form (the citizen confirms them);
    DocumentRefused with reasons when the conclusion is 不合格 or it is out of date."""
    started = time.perf_counter()
    read = read_health_certificate(frame, engine=engine or ocr_engine(), on=on)
    ms = (time.perf_counter() - started) * 1000
    log.info("health certificate OCR: ok=%s %.0f ms", read.ok, ms)
    f = read.fields
    if f.institution is None and f.examined_on is None and f.conclusion is None:
        raise DocumentUnreadable(
            "未能识别身体条件证明，请将证明正面朝上平放在拍摄区后重试",
            data={"reasons": _reasons(read.reasons)},
        )
    if not read.ok:
        raise DocumentRefused(
            "身体条件证明不符合要求：" + "；".join(r.message for r in read.reasons),
            data={"reasons": _reasons(read.reasons), "fields": read.to_dict()["fields"]},
        )
    return {
        "certificate_no": f.certificate_no or "",
        "institution": f.institution,
        "issued_on": f.examined_on.isoformat() if f.examined_on else None,
        "conclusion": f.conclusion,
        "confidence": {k: round(v, 3) for k, v in read.confidence.items()},
        "ms": round(ms),
    }
