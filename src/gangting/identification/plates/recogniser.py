"""Plate text recognition: PP-OCRv4 recogniser (ONNX) + CTC decoding under the plate grammar.

The model reads a 48-pixel-high BGR strip and returns, per time step (8 pixels), a
softmax over its 6,623-character dictionary (stored in the model's metadata) plus the
CTC blank (index 0) and a space (last index). Decoding: greedy CTC first; if the greedy
text is not a valid plate, the most probable path that *is* valid under one of the
grammar templates is found by a constrained CTC Viterbi search (the grammar chooses
the format, the model's probabilities choose the characters). Per-character confidence
is the model's probability of the chosen character at its peak frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from gangting.identification.plates import grammar

MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
REC_MODEL = MODEL_DIR / "ch_PP-OCRv4_rec_infer.onnx"
INPUT_HEIGHT = 48
MIN_WIDTH = 48
MAX_WIDTH = 320
_FILLERS = "·•.-_ "  # characters that are decoded like the blank (separators)
_NEG = -1e9

FloatArray = NDArray[np.float32]


@dataclass(frozen=True)
class Recognition:
    """A decoded plate string: ``text`` is compact ('蒙B12345'), '' when nothing was read."""

    text: str
    char_confidences: tuple[float, ...]
    confidence: float  # product of the per-character confidences
    valid: bool  # text is a valid GA 36 plate
    raw_text: str  # the greedy, unconstrained reading (before grammar)
    constrained: bool  # True when the grammar-constrained search chose the text


def make_session(path: Path, threads: int = 1) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # No busy-waiting between operators: a booth shares its CPU with the kiosk node, and a
    # spinning worker thread steals the core the other thread needs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def prepare(strip: NDArray[np.uint8]) -> FloatArray:
    """Resize to height 48 keeping the aspect ratio (width 48..320), scale to [-1, 1], pad
    to width 320 with 0 (mid-grey), as PaddleOCR/RapidOCR feed it (narrower is faster but
    misreads G/6 and D/0 more often on the dev crops)."""
    h, w = strip.shape[:2]
    width = int(np.clip(np.ceil(INPUT_HEIGHT * w / max(h, 1)), MIN_WIDTH, MAX_WIDTH))
    resized = cv2.resize(strip, (width, INPUT_HEIGHT), interpolation=cv2.INTER_LINEAR)
    x = np.zeros((1, 3, INPUT_HEIGHT, MAX_WIDTH), dtype=np.float32)  # as trained: padded
    x[0, :, :, :width] = (resized.astype(np.float32) * (1 / 127.5) - 1.0).transpose(2, 0, 1)
    return x


def greedy(probs: FloatArray, charset: Sequence[str]) -> tuple[str, list[float]]:
    """Plain CTC best-path decoding: collapse repeats, drop blanks and separators."""
    best = probs.argmax(axis=1)
    peak = probs.max(axis=1)
    text: list[str] = []
    confidences: list[float] = []
    prev = -1
    for k, p in zip(best.tolist(), peak.tolist(), strict=True):
        if k != prev and k != 0 and charset[k] not in _FILLERS:
            text.append(charset[k])
            confidences.append(float(p))
        elif k == prev and confidences and k != 0:
            confidences[-1] = max(confidences[-1], float(p))
        prev = k
    return "".join(text), confidences


def constrained(
    probs: FloatArray, template: Sequence[NDArray[np.intp]], filler: NDArray[np.intp]
) -> tuple[float, list[int], list[float]]:
    """Best CTC path whose collapsed label sequence fits ``template`` (one class per char).

    Viterbi over the CTC lattice: states are 'gap k' (blank/separator before char k)
    and 'char k = c' for c in the class of position k; two neighbouring equal
    characters need a gap between them. Returns (log-probability, dictionary indices,
    per-character peak probabilities).
    """
    steps = probs.shape[0]
    size = len(template)
    logp = np.log(np.maximum(probs, 1e-12))
    log_gap = np.log(np.maximum(probs[:, filler].sum(axis=1), 1e-12))
    gaps = np.full(size + 1, _NEG)
    gaps[0] = log_gap[0]
    chars = [np.full(len(cls), _NEG) for cls in template]
    chars[0] = logp[0, template[0]].copy()
    bp_gap = np.full((steps, size + 1), -1, dtype=np.int32)  # -1 stay, j from char k-1 = j
    bp_char = [np.full((steps, len(cls)), -2, dtype=np.int32) for cls in template]
    for t in range(1, steps):
        new_gaps = gaps + log_gap[t]
        for k in range(1, size + 1):
            j = int(chars[k - 1].argmax())
            if chars[k - 1][j] > gaps[k]:
                new_gaps[k] = chars[k - 1][j] + log_gap[t]
                bp_gap[t, k] = j
        new_chars = []
        for k, cls in enumerate(template):
            best = chars[k].copy()
            back = np.full(len(cls), -2, dtype=np.int32)
            take = gaps[k] > best
            best[take] = gaps[k]
            back[take] = -1
            if k > 0:
                prev = chars[k - 1]
                order = np.argsort(prev)[::-1]
                first, second = int(order[0]), int(order[min(1, len(order) - 1)])
                src = np.where(cls == template[k - 1][first], second, first)
                cand = prev[src]
                take = cand > best
                best[take] = cand[take]
                back[take] = src[take]
            new_chars.append(best + logp[t, cls])
            bp_char[k][t] = back
        gaps, chars = new_gaps, new_chars
    # backtrack from the better of 'after the last char' and 'on the last char'
    last = int(chars[size - 1].argmax())
    score = float(max(gaps[size], chars[size - 1][last]))
    picked = [-1] * size
    peak = [0.0] * size
    state: tuple[str, int, int] = (
        ("c", size - 1, last) if chars[size - 1][last] >= gaps[size] else ("g", size, -1)
    )
    for t in range(steps - 1, -1, -1):
        kind, k, j = state
        if kind == "c":
            picked[k] = int(template[k][j])
            peak[k] = max(peak[k], float(probs[t, template[k][j]]))
            b = int(bp_char[k][t, j])
            if b == -1:
                state = ("g", k, -1)
            elif b >= 0:
                state = ("c", k - 1, b)
        else:
            b = int(bp_gap[t, k])
            if b >= 0:
                state = ("c", k - 1, b)
    return score, picked, peak


class Recogniser:
    """Reads a rectified plate strip (BGR, any size) into a ``Recognition``."""

    def __init__(self, model: Path = REC_MODEL, threads: int = 1) -> None:
        self.session = make_session(model, threads)
        self._input = self.session.get_inputs()[0].name
        meta = self.session.get_modelmeta().custom_metadata_map
        self.charset: list[str] = ["<blank>", *meta["character"].splitlines(), " "]
        index = {c: i for i, c in enumerate(self.charset)}
        self._filler = np.array([0] + [index[c] for c in _FILLERS if c in index], dtype=np.intp)
        self._templates = {len(tmpl): [] for tmpl in grammar.TEMPLATES}  # type: dict[int, list[list[NDArray[np.intp]]]]
        for tmpl in grammar.TEMPLATES:
            self._templates[len(tmpl)].append(
                [np.array([index[c] for c in cls if c in index], dtype=np.intp) for cls in tmpl]
            )

    def probabilities(self, strip: NDArray[np.uint8]) -> FloatArray:
        out = self.session.run(None, {self._input: prepare(strip)})[0]
        return np.asarray(out[0], dtype=np.float32)

    def recognise(self, strip: NDArray[np.uint8], lengths: Sequence[int] = (7, 8)) -> Recognition:
        """Read ``strip``; ``lengths`` are the plate lengths allowed (colour can narrow it)."""
        return self.decode(self.probabilities(strip), lengths)

    def decode(self, probs: FloatArray, lengths: Sequence[int] = (7, 8)) -> Recognition:
        raw, confidences = greedy(probs, self.charset)
        text = grammar.normalise(raw)
        if len(text) in lengths and grammar.is_valid(text) and len(confidences) == len(text):
            return _recognition(text, confidences, raw, constrained=False)
        best: tuple[float, list[int], list[float]] | None = None
        for length in lengths:
            for tmpl in self._templates.get(length, []):
                found = constrained(probs, tmpl, self._filler)
                if best is None or found[0] > best[0]:
                    best = found
        if best is None:
            return Recognition("", (), 0.0, False, raw, constrained=True)
        text = "".join(self.charset[i] for i in best[1])
        return _recognition(text, best[2], raw, constrained=True)


def _recognition(text: str, peaks: Sequence[float], raw: str, *, constrained: bool) -> Recognition:
    conf = tuple(round(float(p), 4) for p in peaks)
    overall = float(np.prod(conf)) if conf else 0.0
    return Recognition(text, conf, overall, grammar.is_valid(text), raw, constrained)
