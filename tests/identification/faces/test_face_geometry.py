from __future__ import annotations

import numpy as np
import pytest

from gangting.identification.faces.geometry import (
    eye_centres,
    face_distance,
    nose_position,
    synthetic_landmarks,
    yaw_from_landmarks,
)


def test_distance_is_euclidean() -> None:
    a = np.zeros(128)
    b = np.zeros(128)
    b[0], b[1] = 0.3, 0.4
    assert face_distance(a, b) == pytest.approx(0.5)
    assert face_distance(a, a) == 0.0
    with pytest.raises(ValueError):
        face_distance(np.zeros(128), np.zeros(127))


def test_frontal_face_has_zero_yaw_and_centred_nose() -> None:
    lm = synthetic_landmarks(0.0)
    assert nose_position(lm) == pytest.approx(0.5)
    assert yaw_from_landmarks(lm) == pytest.approx(0.0, abs=1e-9)
    left, right = eye_centres(lm)
    assert left[0] < right[0]


@pytest.mark.parametrize("yaw", [-50.0, -30.0, -10.0, 5.0, 20.0, 45.0])
@pytest.mark.parametrize("roll", [0.0, 15.0, -20.0])
def test_yaw_round_trips_under_roll_and_scale(yaw: float, roll: float) -> None:
    lm = synthetic_landmarks(yaw, roll_deg=roll, eye_half=25.0, centre=(100.0, 80.0))
    assert yaw_from_landmarks(lm) == pytest.approx(yaw, abs=1e-6)


def test_nose_towards_image_right_is_positive() -> None:
    lm = synthetic_landmarks(0.0)
    shifted = (*lm[:4], (lm[4][0] + 10.0, lm[4][1]))
    assert yaw_from_landmarks(shifted) > 0


def test_degenerate_landmarks_raise() -> None:
    with pytest.raises(ValueError):
        yaw_from_landmarks([(1.0, 1.0)] * 5)
    with pytest.raises(ValueError):
        yaw_from_landmarks([(1.0, 1.0)] * 4)
