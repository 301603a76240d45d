"""Reading the front (photo side) of a second-generation ID card from a document camera.

    read = read_id_card(image_bgr, on=clock.today())
    read.fields.name, read.fields.id_number, read.ok, read.reasons

At a booth the chip reader is the primary source; this is the fallback when the chip
cannot be read, and the same engine reads paper documents. The card may lie a little
rotated or keystoned, blurred or noisy, and upside down (the line classifier turns each
line; the rows are then read bottom-up). A rotation of more than about 20 degrees is not
supported: the card tray of a document camera keeps it roughly square.

Fields are found by their printed labels on text rows (see ``layout``), with the fixed
order of the card as a fallback: 姓名 / 性别 民族 / 出生 / 住址 (one to three lines) /
公民身份号码. The image is only held for the call; nothing is written or logged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gangting.identification.documents.engine import OcrEngine, TextLine, shared_engine
from gangting.identification.documents.layout import (
    Row,
    find_row,
    group_rows,
    parse_date,
    value_after,
)
from gangting.identification.documents.rules import IdCardFields, check_id_card, repair_nation
from gangting.kernel.decision import Reason

_NAME = ("姓名",)
_SEX = ("性别",)
_NATION = ("民族",)
_BIRTH = ("出生日期", "出生")
_ADDRESS = ("住址",)
_NUMBER_LABEL = ("公民身份号码", "身份号码", "公民身份")
_ALL_LABELS = _NAME + _SEX + _NATION + _BIRTH + _ADDRESS + _NUMBER_LABEL
_NUMBER = re.compile(r"\d{17}[\dX]")
_NUMBER_SLIPS = str.maketrans({"O": "0", "I": "1", "×": "X", "x": "X"})


@dataclass(frozen=True)
class IdCardRead:
    """What was read from one card image, and whether it holds together.

    ``confidence`` maps each field read to the lowest recogniser score among the boxes it
    came from (0..1). ``ok`` is True only when all six items were read, the number is a
    valid GB 11643-1999 number and the printed birth date and sex agree with it.
    """

    fields: IdCardFields
    confidence: dict[str, float]
    ok: bool
    reasons: tuple[Reason, ...]
    upside_down: bool = False

    def to_dict(self) -> dict[str, Any]:
        f = asdict(self.fields)
        if self.fields.birth_date is not None:
            f["birth_date"] = self.fields.birth_date.isoformat()
        return {
            "fields": f,
            "confidence": dict(self.confidence),
            "ok": self.ok,
            "reasons": [r.to_dict() for r in self.reasons],
            "upside_down": self.upside_down,
        }


def read_id_card(
    image: NDArray[np.uint8], *, engine: OcrEngine | None = None, on: date | None = None
) -> IdCardRead:
    """OCR ``image`` (BGR) and read it as an ID card front; ``on`` is today, for the check
    that the birth date is not in the future (pass the injected clock's date)."""
    lines = (engine or shared_engine()).read(image)
    return parse_id_card(lines, on=on)


def parse_id_card(lines: Sequence[TextLine], *, on: date | None = None) -> IdCardRead:
    """Read the fields from OCR text boxes (no OCR here: testable on hand-made boxes)."""
    rows = group_rows(lines)
    at = _number_row(rows)
    upside_down = False
    if at is not None and at == 0 and len(rows) > 2:
        flipped = group_rows(lines, upside_down=True)
        flipped_at = _number_row(flipped)
        if flipped_at is not None and flipped_at > 0:
            rows, at, upside_down = flipped, flipped_at, True
    fields, confidence = _fields(rows, at)
    decision = check_id_card(fields, on=on)
    return IdCardRead(fields, confidence, decision.allowed, decision.reasons, upside_down)


def _number_in(text: str) -> str | None:
    m = _NUMBER.search(text.upper().translate(_NUMBER_SLIPS))
    return m.group(0) if m else None


def _number_row(rows: Sequence[Row]) -> int | None:
    """The row holding the 18-character number (the lowest, if several)."""
    found = None
    for i, row in enumerate(rows):
        if _number_in(row.text) is not None:
            found = i
    return found


def _fields(rows: Sequence[Row], at: int | None) -> tuple[IdCardFields, dict[str, float]]:
    confidence: dict[str, float] = {}
    above = list(rows[:at]) if at is not None else list(rows)

    number = None
    if at is not None:
        number = _number_in(rows[at].text)
        if number is not None:
            confidence["id_number"] = rows[at].score_of(number)

    sex_at = find_row(above, _SEX)
    nation_at = find_row(above, _NATION)
    anchor = sex_at if sex_at is not None else nation_at  # the 性别/民族 line

    name = None
    name_at = find_row(above, _NAME)
    if name_at is not None:
        name = value_after(above[name_at].text, _NAME) or None
    if name is None and anchor is not None and anchor > 0:
        candidate = above[anchor - 1].text  # label lost: the line above 性别 is the name
        if not any(lb in candidate for lb in _ALL_LABELS):
            name, name_at = candidate, anchor - 1
    if name is not None and name_at is not None:
        confidence["name"] = above[name_at].score_of(name)

    sex = None
    if anchor is not None:
        row = above[anchor]
        printed = value_after(row.text, _SEX, _NATION)
        if printed is None:  # label lost: whatever stands before 民族
            printed = row.text.split("民族", 1)[0]
        sex = next((c for c in printed if c in "男女"), printed[:1] or None)
        if sex:
            confidence["sex"] = row.score_of(sex)
    nation = None
    if nation_at is not None:
        nation_text = value_after(above[nation_at].text, _NATION)
        if nation_text:
            nation = repair_nation(nation_text) or nation_text
            confidence["nation"] = above[nation_at].score_of(nation_text)

    birth = None
    birth_at = find_row(above, _BIRTH)
    candidates = [birth_at] if birth_at is not None else range(len(above))
    for i in candidates:
        birth = parse_date(above[i].text)
        if birth is not None:
            confidence["birth_date"] = above[i].score_of(value_after(above[i].text, _BIRTH) or "")
            birth_at = i
            break

    address, first = None, ""
    address_at = find_row(above, _ADDRESS)
    if address_at is None and birth_at is not None and birth_at + 1 < len(above):
        address_at = birth_at + 1  # label lost: the lines under 出生 are the address
        first = above[address_at].text
    elif address_at is not None:
        first = value_after(above[address_at].text, _ADDRESS) or ""
    if address_at is not None:
        parts = [first]
        scores = [above[address_at].score_of(first)] if first else []
        for row in above[address_at + 1 :]:
            if any(row.text.startswith(lb) for lb in _ALL_LABELS):
                break
            parts.append(row.text)
            scores.append(row.score)
        address = "".join(parts) or None
        if address:
            confidence["address"] = min(scores)

    fields = IdCardFields(name, sex, nation, birth, address, number)
    return fields, confidence
