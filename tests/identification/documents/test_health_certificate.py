"""Driver health certificates (机动车驾驶人身体条件证明) rendered, photographed and read."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from numpy.typing import NDArray

from gangting.identification.documents import OcrEngine, read_health_certificate
from tests.identification.documents.cards import CITIZENS
from tests.identification.documents.render import (
    HealthForm,
    clean,
    degraded,
    make_health_form,
    render_health_form,
)

TODAY = date(2026, 11, 26)
A4_SHOT = {"frame": (1600, 1200), "fill": 0.92}


def form(i: int, examined_on: date, conclusion: str) -> HealthForm:
    f = make_health_form(random.Random(i), CITIZENS[i], examined_on)
    return HealthForm(**{**f.__dict__, "conclusion": conclusion})


@pytest.mark.parametrize("shot", [clean, degraded])
def test_key_fields_of_a_fit_certificate_are_read(
    engine: OcrEngine, shot: Callable[..., NDArray[np.uint8]]
) -> None:
    f = form(0, date(2026, 11, 20), "合格")
    image = shot(render_health_form(f), seed=3, **A4_SHOT)
    read = read_health_certificate(image, engine=engine, on=TODAY)
    got = read.fields
    assert (got.institution, got.examined_on, got.conclusion) == (
        f.institution,
        f.examined_on,
        "合格",
    )
    assert (got.certificate_no, got.name, got.id_number) == (f.certificate_no, f.name, f.id_number)
    assert read.ok, read.reasons
    assert [r.code for r in read.reasons] == ["documents.health_certificate_usable"]


def test_unfit_and_expired_certificate_is_read_and_refused_with_both_reasons(
    engine: OcrEngine,
) -> None:
    f = form(3, date(2026, 5, 26), "不合格")  # six months end on 2026-11-25
    read = read_health_certificate(
        degraded(render_health_form(f), seed=8, **A4_SHOT), engine=engine, on=TODAY
    )
    assert (read.fields.institution, read.fields.examined_on, read.fields.conclusion) == (
        f.institution,
        f.examined_on,
        "不合格",
    )
    assert not read.ok
    assert [r.code for r in read.reasons] == [
        "documents.health_not_fit",
        "documents.health_certificate_expired",
    ]
    assert "第85条" in read.reasons[1].legal_basis[0]
