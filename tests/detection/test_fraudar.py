"""FRAUDAR-style peeling (desks.detection_scoring.densest_block) on plain edge lists: a
planted block inside random noise is found, and noise alone makes no case."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

import pytest

from gangting.desks.detection_scoring import PointEdge, column_weight, dense_blocks, densest_block
from gangting.detection.rules import Pattern, Thresholds
from gangting.kernel.clock import CITY_ZONE

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=CITY_ZONE)


def _noise(rng: random.Random, drivers: int, owners: int, edges: int) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    while len(out) < edges:
        out.add((f"d{rng.randrange(drivers)}", f"o{rng.randrange(owners)}"))
    return out


def _planted(size: int, rng: random.Random, keep: float = 0.85) -> set[tuple[str, str]]:
    return {
        (f"ring-d{i}", f"ring-o{j}")
        for i in range(size)
        for j in range(size)
        if rng.random() < keep or i == j
    }


def test_the_column_weight_is_one_over_log_degree_plus_five() -> None:
    assert column_weight(1) == pytest.approx(1 / math.log(6))
    assert column_weight(95) == pytest.approx(1 / math.log(100))


def test_a_complete_block_alone_is_kept_whole_with_its_density() -> None:
    edges = {(f"d{i}", f"o{j}") for i in range(3) for j in range(3)}
    block = densest_block(edges)
    assert block is not None
    assert block.rows == {"d0", "d1", "d2"} and block.cols == {"o0", "o1", "o2"}
    # 9 edges of weight 1/ln(3+5) over 6 nodes, checkable by hand
    assert block.density == pytest.approx(9 / math.log(8) / 6)


def test_no_edges_no_block() -> None:
    assert densest_block([]) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_planted_block_is_found_inside_random_noise(seed: int) -> None:
    rng = random.Random(seed)
    ring = _planted(6, rng)
    noise = _noise(rng, 400, 400, 700)
    block = densest_block(ring | noise)
    assert block is not None
    planted_rows = {d for d, _ in ring}
    planted_cols = {o for _, o in ring}
    assert block.rows == planted_rows
    assert block.cols == planted_cols
    assert block.edges == ring


def _edges(pairs: set[tuple[str, str]]) -> list[PointEdge]:
    return [
        PointEdge(
            decision_no=f"JD{n:06d}",
            points=3,
            violation_ref=f"WF{n:06d}",
            plate_no=f"蒙B{n:05d}",
            driver_id=d,
            owner_id=o,
            decided_at=NOW - timedelta(days=10),
            cycle_start=date(2026, 3, 15),
            booth_code="BT-KDL-001",
            unit_path="/BT/KDL/",
        )
        for n, (d, o) in enumerate(sorted(pairs))
    ]


@pytest.mark.parametrize("seed", range(5))
def test_noise_alone_makes_no_block_case(seed: int) -> None:
    rng = random.Random(seed)
    proposals = dense_blocks(_edges(_noise(rng, 400, 400, 700)), NOW, Thresholds(), {}, "/BT/")
    assert proposals == []


def test_the_planted_ring_becomes_one_case_with_its_numbers() -> None:
    rng = random.Random(7)
    ring = _planted(5, rng, keep=1.0)
    proposals = dense_blocks(_edges(ring | _noise(rng, 300, 300, 400)), NOW, Thresholds(), {}, "/")
    assert len(proposals) == 1
    case = proposals[0]
    assert case.pattern is Pattern.POINTS_DENSE_BLOCK
    numbers = case.reasons[0].numbers
    assert (numbers["drivers"], numbers["owners"], numbers["pairs"]) == (5, 5, 25)
    assert numbers["density"] == pytest.approx(25 / math.log(10) / 10, abs=1e-4)
    assert "记分管理办法》第30条" in case.reasons[0].legal_basis[0]
    assert len(case.evidence["decisions"]) == 25
    assert case.unit_path == "/BT/KDL/"
