"""The plate-read event: its size-limited evidence crop and the payload's own checks."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from gangting.node.cameras.evidence import MAX_JPEG_BYTES, crop_around, encode_jpeg, evidence_b64
from gangting.plate_reads.schemas import EVIDENCE_B64_MAX_CHARS, PlateReadEvent
from tests.node.cameras.conftest import T0


def test_the_evidence_crop_stays_under_the_limit_even_for_pure_noise() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (400, 320, 3), dtype=np.uint8)
    data = encode_jpeg(noise)
    assert 0 < len(data) <= MAX_JPEG_BYTES
    b64 = evidence_b64(noise)
    assert b64 is not None and len(b64) <= EVIDENCE_B64_MAX_CHARS
    assert (
        cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR) is not None
    )


def test_the_crop_holds_the_plate_with_some_of_the_vehicle_and_is_small() -> None:
    frame = np.zeros((1160, 720, 3), np.uint8)
    frame[600:645, 300:440] = 255  # the plate
    crop = crop_around(frame, (300.0, 600.0, 440.0, 645.0))
    assert crop.shape[1] <= 320
    assert crop.shape[0] > 45 and crop.shape[1] > 140  # more than the plate itself
    assert crop.mean() > 0  # the plate is inside


def test_a_box_at_the_edge_is_clipped_to_the_frame() -> None:
    frame = np.full((100, 200, 3), 90, np.uint8)
    crop = crop_around(frame, (180.0, 80.0, 260.0, 120.0))
    assert 0 < crop.shape[0] <= 100 and 0 < crop.shape[1] <= 200


def _event(**change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "booth": "BT-KDL-001",
        "camera": "lane-1",
        "plate": "蒙B12345",
        "colour": "blue",
        "plate_type": "small",
        "confidence": 0.9,
        "char_confidences": [0.9] * 7,
        "frames": 4,
        "agreeing": 3,
        "first_seen_at": T0.isoformat(),
        "last_seen_at": (T0 + timedelta(seconds=2)).isoformat(),
    }
    body.update(change)
    return body


def test_a_payload_of_a_newer_minor_version_is_read_and_its_new_fields_ignored() -> None:
    event = PlateReadEvent.model_validate(_event(v="1.3", speed_kmh=42))
    assert event.v == "1.3" and event.plate == "蒙B12345"
    assert "speed_kmh" not in event.model_dump()


@pytest.mark.parametrize(
    "change",
    [
        {"v": "2.0"},  # another major version
        {"last_seen_at": (T0 - timedelta(seconds=1)).isoformat()},
        {"first_seen_at": "2026-11-26T08:00:00"},  # naive
        {"char_confidences": [0.9] * 8},  # not one per character
        {"char_confidences": [0.9] * 6 + [1.5]},
        {"agreeing": 5},
        {"confidence": 1.2},
        {"camera": "lane/1"},
        {"evidence_jpeg_b64": "a" * (EVIDENCE_B64_MAX_CHARS + 4)},
        {"evidence_jpeg_b64": "not base64!"},
    ],
)
def test_a_malformed_payload_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PlateReadEvent.model_validate(_event(**change))
