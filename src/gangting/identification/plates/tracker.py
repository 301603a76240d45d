"""Tracking plate reads across frames: one voted read per vehicle pass.

Reads from consecutive frames are grouped into a track when their boxes overlap
(IoU) or their texts are similar, within ``gap`` of the track's last read. A track that
has seen no read for ``gap`` is closed and emitted as one ``VehicleRead``: each
character position is voted, weighted by the per-character confidences, among reads
of the winning length. A track still in view after ``emit_after`` (a vehicle standing or
parked in front of the camera) is reported once then and never again while it stays;
a plate reported within ``hold`` of its last sighting is not reported again.
Time comes from the caller (frame timestamps), never from the system clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gangting.identification.plates.colour import PlateColour
from gangting.identification.plates.grammar import is_valid
from gangting.identification.plates.reader import Box, PlateRead


@dataclass(frozen=True)
class VehicleRead:
    """The voted plate of one vehicle pass."""

    plate: str
    colour: PlateColour
    confidence: float  # mean over characters of the winning share of the vote weight
    char_confidences: tuple[float, ...]
    frames: int  # reads that went into the vote
    agreeing: int  # reads whose text equals the voted plate
    first_seen: datetime
    last_seen: datetime


@dataclass
class _Track:
    reads: list[PlateRead] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    box: Box | None = None
    emitted: str | None = None  # the plate already reported for this track


def iou(a: Box, b: Box) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def similarity(a: str, b: str) -> float:
    """Share of equal characters at equal positions (0 when the lengths differ by >1)."""
    if abs(len(a) - len(b)) > 1:
        return 0.0
    same = sum(x == y for x, y in zip(a, b, strict=False))
    return same / max(len(a), len(b))


def vote(reads: list[PlateRead]) -> tuple[str, tuple[float, ...], float]:
    """Confidence-weighted per-character vote; (plate, per-char shares, overall)."""
    by_length: dict[int, float] = defaultdict(float)
    for r in reads:
        by_length[len(r.plate)] += r.confidence + 1e-6
    length = max(by_length, key=lambda n: by_length[n])
    same = [r for r in reads if len(r.plate) == length]
    chars: list[str] = []
    shares: list[float] = []
    for i in range(length):
        weight: dict[str, float] = defaultdict(float)
        for r in same:
            weight[r.plate[i]] += r.char_confidences[i] + 1e-6
        best = max(weight, key=lambda c: weight[c])
        chars.append(best)
        shares.append(round(weight[best] / sum(weight.values()), 4))
    plate = "".join(chars)
    if not is_valid(plate):  # a vote across formats can break the grammar: take the best read
        top = max(same, key=lambda r: r.confidence)
        plate, shares = top.plate, list(top.char_confidences)
    overall = sum(shares) / len(shares) * min(1.0, sum(r.confidence for r in same))
    return plate, tuple(shares), round(overall, 4)


class PlateTracker:
    def __init__(
        self,
        *,
        gap: timedelta = timedelta(seconds=1.5),
        hold: timedelta = timedelta(minutes=5),
        min_iou: float = 0.3,
        min_similarity: float = 0.7,
        min_reads: int = 2,
        emit_after: timedelta = timedelta(seconds=3),
    ) -> None:
        self.gap = gap
        self.hold = hold
        self.min_iou = min_iou
        self.min_similarity = min_similarity
        self.min_reads = min_reads
        self.emit_after = emit_after
        self._tracks: list[_Track] = []
        self._last_emitted: dict[str, datetime] = {}

    def update(self, reads: list[PlateRead], at: datetime) -> list[VehicleRead]:
        """Add one frame's reads (taken at ``at``); returns the passes that ended."""
        emitted = self._close(at)
        for read in reads:
            track = self._match(read)
            if track is None:
                track = _Track(first_seen=at)
                self._tracks.append(track)
            track.reads.append(read)
            track.last_seen = at
            track.box = read.box or track.box
        return emitted

    def flush(self, at: datetime) -> list[VehicleRead]:
        """Close every open track (end of stream)."""
        return self._close(at, everything=True)

    def _match(self, read: PlateRead) -> _Track | None:
        best, score = None, 0.0
        for track in self._tracks:
            s = max(
                similarity(read.plate, track.reads[-1].plate),
                1.0 if read.box and track.box and iou(read.box, track.box) >= self.min_iou else 0,
            )
            if s >= self.min_similarity and s > score:
                best, score = track, s
        return best

    def _close(self, at: datetime, everything: bool = False) -> list[VehicleRead]:
        out: list[VehicleRead] = []
        still: list[_Track] = []
        for track in self._tracks:
            assert track.first_seen is not None and track.last_seen is not None
            ended = everything or at - track.last_seen >= self.gap
            if not ended:
                still.append(track)
                if track.emitted is None and track.last_seen - track.first_seen >= self.emit_after:
                    out.extend(self._emit(track))  # standing vehicle: report once, now
                continue
            if track.emitted is not None:
                self._last_emitted[track.emitted] = track.last_seen
            else:
                out.extend(self._emit(track))
        self._tracks = still
        return out

    def _emit(self, track: _Track) -> list[VehicleRead]:
        assert track.first_seen is not None and track.last_seen is not None
        if len(track.reads) < self.min_reads:
            return []
        plate, shares, confidence = vote(track.reads)
        track.emitted = plate
        previous = self._last_emitted.get(plate)
        self._last_emitted[plate] = track.last_seen
        if previous is not None and track.first_seen - previous < self.hold:
            return []  # the same vehicle, still (or again) in front of the camera
        colours = [r.colour for r in track.reads]
        return [
            VehicleRead(
                plate=plate,
                colour=max(set(colours), key=colours.count),
                confidence=confidence,
                char_confidences=shares,
                frames=len(track.reads),
                agreeing=sum(r.plate == plate for r in track.reads),
                first_seen=track.first_seen,
                last_seen=track.last_seen,
            )
        ]
