"""A head-turn liveness challenge, decided from per-frame yaw estimates (pure).

The booth asks the citizen to turn the head to one side and back. A printed photo or a
still image on a screen shows no yaw change; a replayed video would have to show the
requested turn at the requested moment. This is a challenge, not an anti-spoofing
model (no offline one is available): it raises the cost of a photo attack only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from gangting.kernel.decision import Reason

Direction = Literal["either", "left", "right"]


@dataclass(frozen=True)
class LivenessResult:
    """Whether the head turned beyond ``turn_deg`` and back; reasons in zh-CN."""

    passed: bool
    max_abs_yaw: float
    yaws: tuple[float | None, ...]  # per frame, None where no face was found
    turn_deg: float
    reasons: list[Reason] = field(default_factory=list)


def _turned(yaw: float, turn_deg: float, direction: Direction) -> bool:
    if direction == "left":  # nose towards the image's left
        return yaw <= -turn_deg
    if direction == "right":
        return yaw >= turn_deg
    return abs(yaw) >= turn_deg


def decide_head_turn(
    yaws: Sequence[float | None],
    *,
    turn_deg: float = 25.0,
    frontal_deg: float = 10.0,
    min_turn_frames: int = 1,
    direction: Direction = "either",
    max_missing_fraction: float = 0.5,
) -> LivenessResult:
    """Pass when the face is frontal, then turned >= ``turn_deg``, then frontal again.

    ``min_turn_frames`` consecutive turned frames are needed (>1 rejects single-frame
    landmark glitches). Frames without a face are skipped, but if more than
    ``max_missing_fraction`` of them have no face the challenge fails.
    """
    if not 0 < frontal_deg < turn_deg:
        raise ValueError("need 0 < frontal_deg < turn_deg")
    seen = [y for y in yaws if y is not None]
    max_abs = max((abs(y) for y in seen), default=0.0)

    def result(passed: bool, *reasons: Reason) -> LivenessResult:
        return LivenessResult(passed, max_abs, tuple(yaws), turn_deg, list(reasons))

    data = {"max_abs_yaw": round(max_abs, 1), "turn_deg": turn_deg}
    if not seen or (len(yaws) - len(seen)) > max_missing_fraction * len(yaws):
        return result(
            False, Reason("faces.liveness.no_face", "未检测到人脸，请正对摄像头", (), data)
        )

    state = "start"  # start -> frontal -> turned -> back
    run = 0
    for y in seen:
        if state == "start":
            if abs(y) <= frontal_deg:
                state = "frontal"
        elif state == "frontal":
            run = run + 1 if _turned(y, turn_deg, direction) else 0
            if run >= min_turn_frames:
                state = "turned"
        elif state == "turned" and abs(y) <= frontal_deg:
            return result(True, Reason("faces.liveness.passed", "转头动作检测通过", (), data))

    if state == "start":
        return result(False, Reason("faces.liveness.not_frontal", "请先正对摄像头", (), data))
    if state == "frontal":
        return result(False, Reason("faces.liveness.no_turn", "未完成转头动作", (), data))
    return result(False, Reason("faces.liveness.not_back", "转头后未转回正面", (), data))
