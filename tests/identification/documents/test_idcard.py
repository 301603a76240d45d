"""ID-card fronts rendered and photographed as a document camera would, read by OCR."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date

import numpy as np
import pytest

from gangting.identification.documents import IdCardFields, OcrEngine, read_id_card
from tests.identification.documents.cards import CITIZENS
from tests.identification.documents.render import (
    Citizen,
    clean,
    degraded,
    render_id_card,
    with_printed_birth_date,
    with_wrong_check_char,
)

TODAY = date(2026, 11, 26)
FIELDS = ("name", "sex", "nation", "birth_date", "address", "id_number")


def expected(c: Citizen) -> IdCardFields:
    return IdCardFields(c.name, c.sex, c.nation, c.birth_date, c.address, c.id_number)


@pytest.mark.parametrize("i", range(3))
def test_clean_card_reads_every_field_exactly(engine: OcrEngine, i: int) -> None:
    c = CITIZENS[i]
    read = read_id_card(clean(render_id_card(c, seed=i), seed=i), engine=engine, on=TODAY)
    assert read.fields == expected(c)
    assert read.ok, read.reasons
    assert [r.code for r in read.reasons] == ["documents.id_card_consistent"]
    assert set(read.confidence) == set(FIELDS)
    assert all(0.5 < v <= 1.0 for v in read.confidence.values())


@pytest.mark.parametrize("i", range(3, 6))
def test_degraded_card_reads_every_field_exactly(engine: OcrEngine, i: int) -> None:
    """Rotated up to 6 degrees, keystoned, blurred, noisy, JPEG 50-80."""
    c = CITIZENS[i]
    read = read_id_card(degraded(render_id_card(c, seed=i), seed=40 + i), engine=engine, on=TODAY)
    assert astuple(read.fields) == astuple(expected(c))
    assert read.ok, read.reasons


def test_card_laid_upside_down_still_reads(engine: OcrEngine) -> None:
    c = CITIZENS[1]
    shot = degraded(render_id_card(c, seed=1), seed=77)
    read = read_id_card(np.ascontiguousarray(shot[::-1, ::-1]), engine=engine, on=TODAY)
    assert read.upside_down
    assert read.fields == expected(c)
    assert read.ok


def test_wrong_check_character_is_flagged(engine: OcrEngine) -> None:
    c = with_wrong_check_char(CITIZENS[0])
    read = read_id_card(degraded(render_id_card(c), seed=5), engine=engine, on=TODAY)
    assert read.fields.id_number == c.id_number  # read as printed, then refused
    assert not read.ok
    (reason,) = read.reasons
    assert reason.code == "documents.id_number_invalid"
    assert reason.data == {"reason": "check"}
    assert "校验码" in reason.message
    assert any("GB 11643-1999" in b for b in reason.legal_basis)


def test_printed_birth_date_that_disagrees_with_the_number_is_flagged(engine: OcrEngine) -> None:
    c = with_printed_birth_date(CITIZENS[2], date(2001, 12, 3))
    read = read_id_card(degraded(render_id_card(c), seed=6), engine=engine, on=TODAY)
    assert read.fields.birth_date == date(2001, 12, 3)
    assert not read.ok
    (reason,) = read.reasons
    assert reason.code == "documents.birth_date_mismatch"
    assert reason.data == {"printed": "2001-12-03", "in_number": "2001-12-30"}
    assert reason.legal_basis == ("GB 11643-1999 《公民身份号码》",)


def test_image_without_a_card_is_refused_with_every_field_unread(engine: OcrEngine) -> None:
    blank = np.full((480, 640, 3), 128, np.uint8)
    read = read_id_card(blank, engine=engine, on=TODAY)
    assert not read.ok
    assert read.fields == IdCardFields(None, None, None, None, None, None)
    assert [r.data["field"] for r in read.reasons] == list(FIELDS)
