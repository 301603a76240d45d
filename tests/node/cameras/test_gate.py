"""The motion gate on synthetic frames: still scenes, noise, moving objects, thresholds."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.node.cameras.gate import MotionGate


def _scene(seed: int = 0, h: int = 480, w: int = 640) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return rng.integers(60, 200, (h, w, 3), dtype=np.uint8)


def _with_box(base: NDArray[np.uint8], x: int, y: int, size: int = 80) -> NDArray[np.uint8]:
    frame = base.copy()
    frame[y : y + size, x : x + size] = (20, 20, 240)
    return frame


def _noisy(frame: NDArray[np.uint8], sigma: float, seed: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    noisy = frame.astype(np.int16) + rng.normal(0, sigma, frame.shape).astype(np.int16)
    return np.asarray(noisy.clip(0, 255), dtype=np.uint8)


def test_the_first_frame_counts_as_moved() -> None:
    gate = MotionGate()
    assert gate.moved(_scene()) is True
    assert gate.last_motion == 1.0


def test_a_still_scene_does_not_move_even_with_sensor_noise() -> None:
    gate = MotionGate()
    base = np.full((480, 640, 3), 120, np.uint8)
    gate.moved(base)
    for i in range(10):
        assert gate.moved(_noisy(base, sigma=6, seed=i)) is False
    assert gate.last_motion < gate.area_threshold


def test_a_moving_object_moves_the_gate() -> None:
    gate = MotionGate()
    base = np.full((480, 640, 3), 120, np.uint8)
    gate.moved(_with_box(base, 100, 200))
    assert gate.moved(_with_box(base, 100, 200)) is False  # standing still
    assert gate.moved(_with_box(base, 140, 200)) is True  # moved 40 px
    assert gate.last_motion > 0.004


def test_the_area_threshold_is_configurable() -> None:
    base = np.full((480, 640, 3), 120, np.uint8)
    small_change = [_with_box(base, 10, 10, size=30), _with_box(base, 40, 10, size=30)]
    sensitive, dull = MotionGate(area_threshold=0.002), MotionGate(area_threshold=0.2)
    for gate in (sensitive, dull):
        gate.moved(small_change[0])
    assert sensitive.moved(small_change[1]) is True
    assert dull.moved(small_change[1]) is False
    assert sensitive.last_motion == pytest.approx(dull.last_motion)


def test_the_pixel_threshold_ignores_a_slight_brightness_change() -> None:
    gate = MotionGate(pixel_threshold=25)
    base = np.full((480, 640, 3), 120, np.uint8)
    gate.moved(base)
    assert gate.moved(base + 10) is False  # dusk: every pixel 10 levels brighter
    assert gate.moved(base + 60) is True  # headlights: far brighter


def test_reset_and_a_new_frame_size_count_as_motion() -> None:
    gate = MotionGate()
    frame = _scene()
    gate.moved(frame)
    assert gate.moved(frame) is False
    gate.reset()
    assert gate.moved(frame) is True
    assert gate.moved(_scene(h=240, w=320)) is True  # the stream came back smaller


def test_the_gate_looks_at_a_small_copy() -> None:
    gate = MotionGate(width=160)
    small = gate.small(_scene(h=1160, w=720))
    assert small.shape == (258, 160)
    assert small.dtype == np.uint8


@pytest.mark.parametrize(
    "kwargs", [{"width": 4}, {"pixel_threshold": 0}, {"area_threshold": 0.0}, {"area_threshold": 2}]
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        MotionGate(**kwargs)  # type: ignore[arg-type]
