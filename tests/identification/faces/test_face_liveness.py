from __future__ import annotations

import random

import pytest

from gangting.identification.faces.geometry import synthetic_landmarks, yaw_from_landmarks
from gangting.identification.faces.liveness import decide_head_turn


def yaws_of(
    angles: list[float | None], *, jitter: float = 0.0, seed: int = 0
) -> list[float | None]:
    """Synthetic landmark sequence -> estimated yaws (with pixel jitter on the landmarks)."""
    rng = random.Random(seed)
    out: list[float | None] = []
    for a in angles:
        if a is None:
            out.append(None)
            continue
        lm = synthetic_landmarks(a, eye_half=40.0, roll_deg=rng.uniform(-5, 5))
        noisy = [(x + rng.gauss(0, jitter), y + rng.gauss(0, jitter)) for x, y in lm]
        out.append(yaw_from_landmarks(noisy))
    return out


TURN_RIGHT_AND_BACK = [0, 2, 10, 20, 32, 38, 30, 15, 4, 1]
TURN_LEFT_AND_BACK = [-1, -3, -12, -28, -35, -20, -6, 0]


@pytest.mark.parametrize("seq", [TURN_RIGHT_AND_BACK, TURN_LEFT_AND_BACK])
def test_turn_and_back_passes(seq: list[float]) -> None:
    result = decide_head_turn(yaws_of(list(seq), jitter=0.5), turn_deg=25, min_turn_frames=2)
    assert result.passed
    assert result.reasons[0].code == "faces.liveness.passed"
    assert result.max_abs_yaw >= 25


def test_still_photo_fails() -> None:
    result = decide_head_turn(yaws_of([3.0] * 12, jitter=0.5))
    assert not result.passed
    assert result.reasons[0].code == "faces.liveness.no_turn"
    assert result.reasons[0].message == "未完成转头动作"


def test_small_turn_fails() -> None:
    result = decide_head_turn(yaws_of([0, 8, 15, 20, 12, 3]), turn_deg=25)
    assert not result.passed and result.reasons[0].code == "faces.liveness.no_turn"
    # the angle is configurable
    assert decide_head_turn(yaws_of([0, 8, 15, 20, 12, 3]), turn_deg=18).passed


def test_turn_without_return_fails() -> None:
    result = decide_head_turn(yaws_of([0, 15, 30, 35, 34]))
    assert not result.passed and result.reasons[0].code == "faces.liveness.not_back"


def test_must_start_frontal() -> None:
    result = decide_head_turn(yaws_of([30, 32, 35, 31]))
    assert not result.passed and result.reasons[0].code == "faces.liveness.not_frontal"


def test_single_frame_glitch_is_rejected_with_min_turn_frames() -> None:
    seq: list[float | None] = [0, 2, 40, 1, 0]
    assert decide_head_turn(seq, min_turn_frames=1).passed
    assert not decide_head_turn(seq, min_turn_frames=2).passed


def test_direction() -> None:
    seq = yaws_of(list(TURN_LEFT_AND_BACK))
    assert decide_head_turn(seq, direction="left").passed
    assert not decide_head_turn(seq, direction="right").passed


def test_missing_faces() -> None:
    assert decide_head_turn([None, None, None]).reasons[0].code == "faces.liveness.no_face"
    assert not decide_head_turn([]).passed
    # a few dropped frames are tolerated
    seq = yaws_of([0, None, 20, 35, None, 30, 5, 0])
    assert decide_head_turn(seq).passed


def test_bad_configuration() -> None:
    with pytest.raises(ValueError):
        decide_head_turn([0.0], turn_deg=10, frontal_deg=10)
