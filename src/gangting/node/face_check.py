"""The live-face check of the identify step on the booth node (人证核验, node side).

The kiosk asks the citizen to look at the camera, then to turn the head and back; this
module decides from those frames and the ID card's chip photo:

1. liveness: the head turn over all frames (frontal -> turned -> frontal, the yaw from
   dlib's 5 landmarks; ``decide_head_turn``);
2. identity: the most frontal "look" frame against the chip photo (``FaceVerifier``), at
   the node's threshold (``GANGTING_FACE_THRESHOLD``, strict 0.5 by default).

The look frames and the chip photo are worked on (yaws, descriptors) in the background as
soon as the look frames are taken, while the citizen turns (``FaceEngine.prepare``): the
decision after the turn has only the turn frames left to look at.

The outcome (matched / mismatch / no face / liveness failed / chip photo unreadable) comes
with zh-CN reasons and what to do next, and, when matched, the evidence the centre checks
and records (distance, threshold, liveness). No image leaves this module: the frames and
the chip photo are the caller's, held for the check only; the outcome holds numbers.

The dlib models load once per process (``FaceEngine.start`` loads them in a background
thread when the node starts, so the first citizen does not wait for them). The verifier
is not thread-safe: one check at a time (a booth has one camera).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from gangting.kernel.decision import Reason
from gangting.kernel.errors import Conflict, Forbidden, Unavailable

if TYPE_CHECKING:
    from gangting.identification.faces import Embedding, FaceVerifier, LivenessResult

log = logging.getLogger("gangting.node.faces")

Frame = NDArray[np.uint8]
Outcome = Literal["matched", "mismatch", "no_face", "liveness_failed", "card_photo_unreadable"]
ENGINE = "dlib_resnet_v1"
UPSAMPLE_BELOW = 600  # px: images smaller than this are upsampled to find a face

PROMPT_LOOK = "请正视摄像头，保持不动"
PROMPT_TURN = "请缓慢向左或向右转头，再转回正面"

# What the citizen sees for each refusal: a headline and what to do next.
HEADLINE: dict[str, str] = {
    "mismatch": "人脸与身份证照片不一致",
    "no_face": "未检测到人脸",
    "liveness_failed": "转头动作未通过",
    "card_photo_unreadable": "未能读取身份证照片",
}
ADVICE: dict[str, str] = {
    "mismatch": "请确认使用的是本人身份证，摘下帽子、口罩和眼镜，正对摄像头后重新核验",
    "no_face": "请站在摄像头正前方，摘下帽子和口罩，露出面部后重新核验",
    "liveness_failed": "请在提示后缓慢向左或向右转头，再转回正面",
    "card_photo_unreadable": "请到人工窗口办理",
}
STAFFED_WINDOW = "请到人工窗口由工作人员核验身份后办理，或点击“呼叫工作人员”"


class FaceCheckRefused(Forbidden):
    """The live face did not pass (code per outcome: kiosk.face_mismatch, …)."""

    code = "kiosk.face_check_failed"


class FaceAttemptsExhausted(Forbidden):
    code = "kiosk.face_attempts_exhausted"


class IdentifyBusy(Conflict):
    code = "kiosk.identify_busy"


class FaceEngineUnavailable(Unavailable):
    code = "kiosk.face_engine_unavailable"


@dataclass(frozen=True)
class LivenessPolicy:
    turn_deg: float = 25.0
    frontal_deg: float = 10.0
    min_turn_frames: int = 2


@dataclass(frozen=True)
class FaceOutcome:
    """The decision of one attempt: numbers and reasons only, no image or descriptor."""

    outcome: Outcome
    threshold: float
    distance: float | None  # None when no comparison was made
    liveness_passed: bool
    max_abs_yaw: float
    turn_deg: float
    frames: int
    reasons: tuple[Reason, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return self.outcome == "matched"

    def evidence(self) -> dict[str, Any]:
        """What the centre checks and records (POST /api/v1/identity/check ``face``)."""
        return {
            "matched": self.matched,
            "distance": None if self.distance is None else round(self.distance, 4),
            "threshold": self.threshold,
            "liveness": {
                "passed": self.liveness_passed,
                "max_abs_yaw": round(self.max_abs_yaw, 1),
                "turn_deg": self.turn_deg,
                "frames": self.frames,
            },
            "engine": ENGINE,
        }

    def reasons_view(self) -> list[dict[str, Any]]:
        return [{"code": r.code, "message": r.message} for r in self.reasons]


def decode_chip_photo(photo: bytes) -> Frame | None:
    """The chip photo as a BGR image, upsampled x2 when chip-sized (as readers' software
    does; the 102x126 original is below what the detector sees comfortably)."""
    if not photo:
        return None
    image = cv2.imdecode(np.frombuffer(photo, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    if max(image.shape[:2]) < 300:
        image = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return np.asarray(image, dtype=np.uint8)


@dataclass(frozen=True)
class LookWork:
    """What the look frames and the chip photo give before the head turn: the yaw of each
    look frame, the descriptor of the most frontal one and the chip photo's. Numbers and
    descriptors only; computed while the citizen turns (``FaceEngine.prepare``)."""

    yaws: tuple[float | None, ...]
    live: Embedding | None  # the most frontal look frame's face; None: no face in them
    chip: Embedding | None  # None: no face found in the chip photo
    chip_readable: bool  # False: the chip photo could not be decoded
    ms: float


def look_work(verifier: FaceVerifier, look: Sequence[Frame], chip_photo: bytes) -> LookWork:
    t0 = time.perf_counter()
    yaws = tuple(verifier.yaw(frame) for frame in look)
    found = [(i, y) for i, y in enumerate(yaws) if y is not None]
    live = verifier.embed(look[min(found, key=lambda iy: abs(iy[1]))[0]]) if found else None
    chip = decode_chip_photo(chip_photo)
    card = None if chip is None else verifier.embed(chip)
    ms = round((time.perf_counter() - t0) * 1000, 1)
    return LookWork(yaws, live, card, chip is not None, ms)


def decide(
    verifier: FaceVerifier,
    look: Sequence[Frame],
    turn: Sequence[Frame],
    chip_photo: bytes,
    *,
    threshold: float,
    policy: LivenessPolicy,
    prepared: LookWork | None = None,
) -> FaceOutcome:
    """Liveness over all frames first, then (only if live) the best look frame vs the chip.

    ``prepared`` is the look frames' and the chip photo's share, done before the turn; the
    turn frames are all that is left to look at (the outcome is the same either way)."""
    # the faces package imports dlib: loaded with the verifier, never at the node's import
    from gangting.identification.faces import decide_head_turn

    t0 = time.perf_counter()
    work = prepared or look_work(verifier, look, chip_photo)
    frames = [*look, *turn]
    yaws = [*work.yaws, *(verifier.yaw(frame) for frame in turn)]
    live: LivenessResult = decide_head_turn(
        yaws,
        turn_deg=policy.turn_deg,
        frontal_deg=policy.frontal_deg,
        min_turn_frames=policy.min_turn_frames,
    )
    t1 = time.perf_counter()
    timings = {"look_ms": work.ms, "liveness_ms": round((t1 - t0) * 1000, 1)}

    def outcome(kind: Outcome, reasons: Sequence[Reason], distance: float | None) -> FaceOutcome:
        timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return FaceOutcome(
            kind,
            threshold,
            distance,
            live.passed,
            live.max_abs_yaw,
            policy.turn_deg,
            len(frames),
            tuple(reasons),
            timings,
        )

    codes = [r.code for r in live.reasons]
    if "faces.liveness.no_face" in codes:
        return outcome("no_face", live.reasons, None)
    if not live.passed:
        return outcome("liveness_failed", live.reasons, None)
    if not work.chip_readable:
        return outcome(
            "card_photo_unreadable",
            [Reason("kiosk.card_photo_unreadable", "未能读取身份证芯片中的照片")],
            None,
        )
    face = work.live
    if face is None:  # no face in the look frames: the most frontal of any frame
        indexed = [(i, y) for i, y in enumerate(live.yaws) if y is not None]
        face = verifier.embed(frames[min(indexed, key=lambda iy: abs(iy[1]))[0]])
    check = verifier.compare(face, work.chip, threshold=threshold)
    timings["verify_ms"] = round((time.perf_counter() - t1) * 1000, 1)
    codes = [r.code for r in check.reasons]
    reasons = [*live.reasons, *check.reasons]
    if "faces.no_face_id_photo" in codes:
        return outcome("card_photo_unreadable", check.reasons, None)
    if "faces.no_face_live" in codes:
        return outcome("no_face", check.reasons, None)
    return outcome("matched" if check.matched else "mismatch", reasons, check.distance)


# -- one verifier per process, loaded in the background ---------------------------------

_load_lock = threading.Lock()
_loaded = threading.Event()
_use_lock = threading.Lock()
_verifier: FaceVerifier | None = None
_load_error: BaseException | None = None


def _load() -> None:
    global _verifier, _load_error
    with _load_lock:
        if _loaded.is_set():
            return
        t0 = time.perf_counter()
        try:
            faces: Any = importlib.import_module("gangting.identification.faces")
            # Camera frames (>= 600 px) are not upsampled when no face is found: at a booth
            # the face fills much of the frame, and an empty frame would cost 4x as much.
            # The small chip photo still is.
            _verifier = faces.FaceVerifier(upsample_below=UPSAMPLE_BELOW)
            log.info("face models loaded in %.0f ms", (time.perf_counter() - t0) * 1000)
        except Exception as exc:  # missing dlib or model files: the check says so
            _load_error = exc
            log.exception("face models failed to load")
        finally:
            _loaded.set()


class FaceEngine:
    """The node's face check: the process's verifier, the policy, one check at a time."""

    def __init__(
        self, *, threshold: float, policy: LivenessPolicy, load_timeout_s: float = 60.0
    ) -> None:
        self.threshold = threshold
        self.policy = policy
        self.load_timeout_s = load_timeout_s

    def start(self) -> None:
        """Load the models in a background thread (returns at once; idempotent)."""
        if not _loaded.is_set():
            threading.Thread(target=_load, name="face-models", daemon=True).start()

    @property
    def ready(self) -> bool:
        return _loaded.is_set() and _verifier is not None

    def _verifier_now(self) -> FaceVerifier:
        self.start()
        if not _loaded.wait(self.load_timeout_s):
            raise FaceEngineUnavailable("人脸核验正在启动，请稍候再试")
        if _verifier is None:
            raise FaceEngineUnavailable(
                "人脸核验暂不可用，请到人工窗口办理",
                data={"detail": type(_load_error).__name__ if _load_error else ""},
            )
        return _verifier

    def prepare(self, look: Sequence[Frame], chip_photo: bytes) -> Future[LookWork]:
        """Start on the look frames and the chip photo in a background thread while the
        citizen turns the head; ``check(..., prepared=)`` takes it up."""
        done: Future[LookWork] = Future()
        frames = list(look)

        def work() -> None:
            try:
                verifier = self._verifier_now()
                with _use_lock:
                    done.set_result(look_work(verifier, frames, chip_photo))
            except BaseException as exc:  # raised again by check(), on the request's thread
                done.set_exception(exc)

        threading.Thread(target=work, name="face-look", daemon=True).start()
        return done

    def check(
        self,
        look: Sequence[Frame],
        turn: Sequence[Frame],
        chip_photo: bytes,
        prepared: Future[LookWork] | None = None,
    ) -> FaceOutcome:
        verifier = self._verifier_now()
        work = None if prepared is None else prepared.result(self.load_timeout_s)
        with _use_lock:
            return decide(
                verifier,
                look,
                turn,
                chip_photo,
                threshold=self.threshold,
                policy=self.policy,
                prepared=work,
            )


# -- attempts per card ------------------------------------------------------------------


class FaceAttempts:
    """Failed attempts per ID card (not per session: starting over does not reset them),
    in memory, keyed by a keyed hash of the ID number (no raw number kept), forgotten
    after ``window_s`` or on success."""

    def __init__(self, max_attempts: int, window_s: float, clock: Callable[[], float]) -> None:
        self.max_attempts = max_attempts
        self.window_s = window_s
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._failed: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _id(self, id_number: str) -> str:
        return hmac.new(self._key, id_number.encode(), hashlib.sha256).hexdigest()

    def failures(self, id_number: str) -> int:
        with self._lock:
            now = self._clock()
            for k, (_, at) in list(self._failed.items()):
                if now - at >= self.window_s:
                    del self._failed[k]
            return self._failed.get(self._id(id_number), (0, 0.0))[0]

    def left(self, id_number: str) -> int:
        return max(0, self.max_attempts - self.failures(id_number))

    def fail(self, id_number: str) -> int:
        """Record a failure; answers the attempts left."""
        n = self.failures(id_number) + 1
        with self._lock:
            self._failed[self._id(id_number)] = (n, self._clock())
        return max(0, self.max_attempts - n)

    def clear(self, id_number: str) -> None:
        with self._lock:
            self._failed.pop(self._id(id_number), None)


def refusal(result: FaceOutcome, *, attempt: int, max_attempts: int, left: int) -> Forbidden:
    """The kiosk's answer to a failed attempt: headline, reasons, and what to do next."""
    counted = result.outcome != "card_photo_unreadable"
    nxt = "retry" if counted and left > 0 else "staffed_window"
    advice = ADVICE[result.outcome] if nxt == "retry" else STAFFED_WINDOW
    data: dict[str, Any] = {
        "outcome": result.outcome,
        "reasons": result.reasons_view(),
        "attempt": attempt,
        "max_attempts": max_attempts,
        "attempts_left": left if counted else 0,
        "next": nxt,
        "advice": advice,
    }
    if result.distance is not None:
        data["distance"] = round(result.distance, 4)
        data["threshold"] = result.threshold
    code = {
        "mismatch": "kiosk.face_mismatch",
        "no_face": "kiosk.face_not_found",
        "liveness_failed": "kiosk.face_liveness_failed",
        "card_photo_unreadable": "kiosk.card_photo_unreadable",
    }[result.outcome]
    return FaceCheckRefused(HEADLINE[result.outcome], code=code, data=data)


def exhausted(max_attempts: int) -> FaceAttemptsExhausted:
    return FaceAttemptsExhausted(
        f"人脸核验已连续{max_attempts}次未通过",
        data={
            "outcome": "attempts_exhausted",
            "reasons": [],
            "attempt": max_attempts,
            "max_attempts": max_attempts,
            "attempts_left": 0,
            "next": "staffed_window",
            "advice": STAFFED_WINDOW,
        },
    )
