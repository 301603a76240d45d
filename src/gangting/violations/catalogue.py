"""The violation catalogue, read from the packaged CSV (source: data/SOURCE.md)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import Connection, func, insert, select

from gangting.kernel import law
from gangting.kernel.money import fen_from_yuan

SIMPLE_PROCEDURE_MAX_FEN = 20_000  # 处理程序规定 第43条: simple procedure up to 200 yuan


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    description: str
    points: int | None
    points_basis: str
    fine_min_fen: int
    fine_max_fen: int
    fine_default_fen: int
    fine_basis: str

    @property
    def camera_processable(self) -> bool:
        return self.points is not None and 0 < self.fine_max_fen <= SIMPLE_PROCEDURE_MAX_FEN


def citizen_citation(basis: str) -> str:
    """The catalogue's short citation in the form a citizen reads.

    '163号令 第12条(四)' -> '《道路交通安全违法行为记分管理办法》(公安部令第163号) 第12条(四)';
    '道交法 第95条第1款 -> 第90条' -> '《中华人民共和国道路交通安全法》 第95条第1款、第90条'.
    Notes that are not a citation (no-point acts, unconfirmed ranges) give ''.
    """
    prefixes = (
        ("163号令 ", law.SCORING),
        ("道交法 ", law.ROAD_LAW),
        ("驾驶证规定(162号令) ", law.LICENCE),
    )
    for prefix, title in prefixes:
        if basis.startswith(prefix):
            articles = basis[len(prefix) :].replace(" -> ", "、").split(" / ")[0]
            return law.cite(title, articles)
    return ""


def _key(row: dict[str, str]) -> str:
    match = re.match(r"\s*([0-9]{4,5}[A-Z]?)", row["code_observed"])
    return match.group(1) if match else f"GT-R{row['row']}"


def _default_fine(row: dict[str, str], low: int, high: int) -> int:
    match = re.match(r"\s*([0-9]+)", row["observed_fine_examples"] or "")
    if match:
        seen = fen_from_yuan(match.group(1))
        if low <= seen <= high:
            return seen
    return high if high <= SIMPLE_PROCEDURE_MAX_FEN else low


def load_catalogue() -> list[CatalogueEntry]:
    text = resources.files("gangting.violations").joinpath("data/violation_codes_compiled.csv")
    entries: dict[str, CatalogueEntry] = {}
    with text.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            low = fen_from_yuan(row["fine_min_cny"] or "0")
            high = fen_from_yuan(row["fine_max_cny"] or "0")
            points = int(row["points_2022"]) if row["points_2022"].strip() else None
            entry = CatalogueEntry(
                code=_key(row),
                description=row["description_zh"],
                points=points,
                points_basis=citizen_citation(row["points_basis"]),
                fine_min_fen=low,
                fine_max_fen=high,
                fine_default_fen=_default_fine(row, low, high),
                fine_basis=citizen_citation(row["fine_basis"]),
            )
            entries.setdefault(entry.code, entry)
    return list(entries.values())


def install_catalogue(connection: Connection) -> int:
    """Write the catalogue into an empty ``violation_codes`` table; returns rows written."""
    from gangting.violations.models import ViolationCode

    if connection.execute(select(func.count()).select_from(ViolationCode)).scalar_one():
        return 0
    rows = [
        {
            "code": e.code,
            "description": e.description,
            "points": e.points or 0,
            "points_basis": e.points_basis[:64],
            "fine_min_fen": e.fine_min_fen,
            "fine_max_fen": e.fine_max_fen,
            "fine_default_fen": e.fine_default_fen,
            "fine_basis": e.fine_basis[:64],
            "camera_processable": e.camera_processable,
        }
        for e in load_catalogue()
    ]
    connection.execute(insert(ViolationCode), rows)
    return len(rows)
