"""The matter rules, table-driven, no database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gangting.visits.rules import (
    MATTER_OPEN_DAYS,
    PriorVisit,
    matter_of,
    matter_subject,
    outcome_of,
    refusal_code_of,
)

CITIZEN = uuid.UUID("0190c0de-0000-7000-8000-000000000001")
HEX = CITIZEN.hex
AT = datetime(2026, 11, 26, 2, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("item", "plate", "subject"),
    [
        ("process_violations", None, f"violation:{HEX}"),
        ("pay_fines", None, f"fine:{HEX}"),
        ("renewal", None, f"renewal:{HEX}"),
        ("replacement", None, f"replacement:{HEX}"),
        ("health_certificate", None, f"health:{HEX}"),
        ("study_deduction", None, f"study:{HEX}"),
        ("inspection_mark", "蒙B12345", f"mark:{HEX}:蒙B12345"),
        ("inspection_mark", " 蒙b1234x ", f"mark:{HEX}:蒙B1234X"),
        ("inspection_mark", None, f"mark:{HEX}"),
        ("renewal", "蒙B12345", f"renewal:{HEX}"),  # a plate matters only for a mark
        ("something_new", None, f"something_new:{HEX}"),
    ],
)
def test_the_subject_of_each_service_item(item: str, plate: str | None, subject: str) -> None:
    assert matter_subject(item, CITIZEN, plate) == subject


def _prior(
    outcome: str, days_ago: float, key: str = f"renewal:{HEX}:20261120T010000"
) -> PriorVisit:
    return PriorVisit(key, 1, outcome, AT - timedelta(days=days_ago))


@pytest.mark.parametrize(
    ("prior", "key", "visit_no"),
    [
        (None, f"renewal:{HEX}:20261126T020005", 1),
        (_prior("refused", 6), f"renewal:{HEX}:20261120T010000", 2),
        (_prior("referred", 6), f"renewal:{HEX}:20261120T010000", 2),
        (_prior("refused", MATTER_OPEN_DAYS), f"renewal:{HEX}:20261120T010000", 2),
        # completed: the matter is closed, a new one opens
        (_prior("completed", 6), f"renewal:{HEX}:20261126T020005", 1),
        # abandoned: refused longer ago than the window
        (_prior("refused", MATTER_OPEN_DAYS + 1), f"renewal:{HEX}:20261126T020005", 1),
        # another subject's matter never continues
        (
            _prior("refused", 1, f"renewal:{'0' * 32}:20261125T010000"),
            f"renewal:{HEX}:20261126T020005",
            1,
        ),
    ],
)
def test_a_visit_continues_an_open_matter_or_opens_a_new_one(
    prior: PriorVisit | None, key: str, visit_no: int
) -> None:
    assert matter_of(f"renewal:{HEX}", AT, prior) == (key, visit_no)


def test_the_matter_key_fits_its_column() -> None:
    key, _ = matter_of(matter_subject("inspection_mark", CITIZEN, "蒙B·12345ABCD"), AT, None)
    assert len(key) <= 80


@pytest.mark.parametrize(
    ("state", "outcome"),
    [("completed", "completed"), ("refused", "refused"), ("pending", "referred")],
)
def test_outcome_of_an_application(state: str, outcome: str) -> None:
    assert outcome_of(state) == outcome


def test_the_refusal_code_is_the_first_reason() -> None:
    reasons: list[dict[str, object]] = [{"code": "a.first"}, {"code": "b.second"}]
    assert refusal_code_of(reasons, "refused") == "a.first"
    assert refusal_code_of(reasons, "completed") is None
    assert refusal_code_of([], "refused") is None
