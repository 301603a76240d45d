"""Layout from OCR boxes: group text boxes into visual rows, find labels, normalise text.

OCR splits and merges at will: one printed line may come back as several boxes ('姓名',
'孙晓雪') or one ('姓名孙晓雪'), and a box may hold two fields ('性别男', '民族回'). So
fields are found on *rows*, not boxes: boxes are projected onto the page's text direction
(the median angle of the wide boxes, so a slightly rotated or keystoned document still
rows up), grouped by their centre height, and ordered left to right. A row's text is its
boxes' texts joined; labels are matched on that text with spaces removed.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from gangting.identification.documents.engine import TextLine

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＸｘＯｏ：（）／", "0123456789XxOo:()/"
)  # fmt: skip
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII, spaces removed."""
    return _SPACES.sub("", text.translate(_FULLWIDTH))


@dataclass(frozen=True)
class Cell:
    """One OCR box inside a row: its text (normalised) and its left edge along the row."""

    text: str
    score: float
    left: float


@dataclass(frozen=True)
class Row:
    """Boxes whose centres lie on one text line, ordered left to right.

    ``y`` is the line's position across the text direction (larger is lower on the page),
    ``height`` the median box height, both in pixels of the page's own frame.
    """

    cells: tuple[Cell, ...]
    y: float
    height: float

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.cells)

    @property
    def score(self) -> float:
        """The lowest recogniser score among the row's boxes (0 for an empty row)."""
        return min((c.score for c in self.cells), default=0.0)

    def score_of(self, value: str) -> float:
        """The lowest score among the boxes that ``value`` (a part of ``text``) came from;
        the whole row's when ``value`` is not found in it."""
        lo = self.text.find(value) if value else -1
        if lo < 0:
            return self.score
        hi, pos, scores = lo + len(value), 0, []
        for cell in self.cells:
            end = pos + len(cell.text)
            if pos < hi and end > lo:
                scores.append(cell.score)
            pos = end
        return min(scores, default=self.score)


def page_angle(lines: Sequence[TextLine]) -> float:
    """The text direction of the page (radians): median angle of boxes twice as wide as high."""
    angles = [ln.angle for ln in lines if ln.width >= 2 * ln.height]
    if not angles:
        angles = [ln.angle for ln in lines]
    return statistics.median(angles) if angles else 0.0


def group_rows(lines: Iterable[TextLine], *, upside_down: bool = False) -> list[Row]:
    """Rows top to bottom. ``upside_down`` reads the page turned by 180 degrees."""
    items = [ln for ln in lines if normalise(ln.text)]
    if not items:
        return []
    angle = page_angle(items) + (math.pi if upside_down else 0.0)
    cos, sin = math.cos(angle), math.sin(angle)

    def along(p: tuple[float, float]) -> float:
        return cos * p[0] + sin * p[1]

    def across(p: tuple[float, float]) -> float:
        return -sin * p[0] + cos * p[1]

    placed = sorted(
        ((across(ln.centre), ln) for ln in items),
        key=lambda t: t[0],
    )
    groups: list[list[tuple[float, TextLine]]] = []
    for y, ln in placed:
        if groups:
            current = groups[-1]
            mean_y = sum(v for v, _ in current) / len(current)
            tolerance = 0.5 * min(ln.height, statistics.median(x.height for _, x in current))
            if abs(y - mean_y) <= tolerance:
                current.append((y, ln))
                continue
        groups.append([(y, ln)])
    rows: list[Row] = []
    for group in groups:
        cells = []
        for _, ln in group:
            cells.append(Cell(normalise(ln.text), ln.score, min(along(p) for p in ln.box)))
        cells.sort(key=lambda c: c.left)
        rows.append(
            Row(
                tuple(cells),
                sum(v for v, _ in group) / len(group),
                statistics.median(x.height for _, x in group),
            )
        )
    return rows


def strip_label(text: str, labels: Sequence[str]) -> str | None:
    """The text after the first of ``labels`` that starts ``text`` (a colon after it is
    dropped), or None when no label starts it."""
    for label in labels:
        if text.startswith(label):
            return text[len(label) :].lstrip(":")
    return None


def find_row(rows: Sequence[Row], labels: Sequence[str]) -> int | None:
    """Index of the first row that starts with one of ``labels``, else of the first row
    that contains one (a stray mark read before the label)."""
    for i, row in enumerate(rows):
        if strip_label(row.text, labels) is not None:
            return i
    for i, row in enumerate(rows):
        if any(label in row.text for label in labels):
            return i
    return None


_DATE = re.compile(r"(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?")


def parse_date(text: str) -> date | None:
    """The first 'YYYY年M月D日' (also 'YYYY-MM-DD', 'YYYY.M.D') in ``text``, if a real date."""
    m = _DATE.search(normalise(text))
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def value_after(text: str, labels: Sequence[str], stops: Sequence[str] = ()) -> str | None:
    """The text after the first of ``labels`` found in ``text``, up to the next of ``stops``.

    None when no label is found; '' when the label is there but nothing follows it.
    A colon right after the label is dropped.
    """
    for label in labels:
        at = text.find(label)
        if at < 0:
            continue
        rest = text[at + len(label) :].lstrip(":")
        end = len(rest)
        for stop in stops:
            k = rest.find(stop)
            if 0 <= k < end:
                end = k
        return rest[:end]
    return None
