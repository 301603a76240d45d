from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gangting.identification.plates.colour import PlateColour, PlateType
from gangting.identification.plates.reader import PlateRead
from gangting.identification.plates.tracker import PlateTracker, vote

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
FRAME = timedelta(milliseconds=200)


def _read(
    plate: str,
    conf: float = 0.9,
    box: tuple[float, float, float, float] | None = None,
    weak: int | None = None,
) -> PlateRead:
    chars = tuple(0.3 if i == weak else conf for i in range(len(plate)))
    return PlateRead(
        plate=plate,
        colour=PlateColour.BLUE,
        plate_type=PlateType.SMALL,
        char_confidences=chars,
        confidence=conf,
        box=box or (100.0, 200.0, 220.0, 240.0),
        corners=None,
        raw_text=plate,
        repaired=False,
    )


def test_vote_weights_characters_by_confidence() -> None:
    reads = [
        _read("蒙B12345"),
        _read("蒙B12845", weak=4),
        _read("蒙B12345"),
        _read("蒙B1234S", weak=6),
    ]
    plate, shares, conf = vote(reads)
    assert plate == "蒙B12345"
    assert shares[4] < 1.0 and shares[0] == 1.0
    assert 0.5 < conf <= 1.0


def test_one_read_per_pass_voted_across_frames() -> None:
    tracker = PlateTracker()
    seq = ["蒙B12345", "蒙B12845", "蒙B12345", "蒙B12345", "蒙B1Z345"]
    out = []
    for i, p in enumerate(seq):
        box = (100.0 + 10 * i, 200.0, 220.0 + 10 * i, 240.0)
        out += tracker.update([_read(p, box=box)], T0 + i * FRAME)
    assert out == []  # still passing
    out += tracker.update([], T0 + 5 * FRAME + timedelta(seconds=2))
    assert [v.plate for v in out] == ["蒙B12345"]
    assert out[0].frames == 5 and out[0].agreeing == 3


def test_two_vehicles_are_two_reads() -> None:
    tracker = PlateTracker()
    for i in range(4):
        tracker.update(
            [_read("蒙B12345", box=(0, 0, 100, 40)), _read("蒙BA7K29", box=(500, 0, 600, 40))],
            T0 + i * FRAME,
        )
    out = tracker.flush(T0 + timedelta(seconds=5))
    assert sorted(v.plate for v in out) == ["蒙B12345", "蒙BA7K29"]


def test_a_parked_vehicle_is_reported_once() -> None:
    tracker = PlateTracker(emit_after=timedelta(seconds=3), hold=timedelta(minutes=5))
    out = []
    for i in range(10 * 60 * 5):  # ten minutes, 5 frames a second
        out += tracker.update([_read("蒙B12345")], T0 + i * FRAME)
    assert [v.plate for v in out] == ["蒙B12345"]  # reported after 3 s, not every frame
    # it drives off and comes back within the hold time: not reported again
    t = T0 + timedelta(minutes=10)
    out = tracker.update([], t + timedelta(seconds=10))
    for i in range(5):
        out += tracker.update([_read("蒙B12345")], t + timedelta(minutes=2) + i * FRAME)
    out += tracker.flush(t + timedelta(minutes=3))
    assert out == []
    # after the hold time it is a new pass
    later = t + timedelta(minutes=20)
    for i in range(5):
        out += tracker.update([_read("蒙B12345")], later + i * FRAME)
    out += tracker.flush(later + timedelta(seconds=5))
    assert [v.plate for v in out] == ["蒙B12345"]


def test_single_frame_glimpses_are_not_reported() -> None:
    tracker = PlateTracker(min_reads=2)
    tracker.update([_read("蒙B12345")], T0)
    assert tracker.flush(T0 + timedelta(seconds=5)) == []
