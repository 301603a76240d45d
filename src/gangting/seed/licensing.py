"""Invented driving licences whose dates follow 162号令: first issue, learner period
(第76条), validity six → ten → long-term on each renewal (第13条, 第62条), expiry and
cancellation after one year expired (第79条(八))."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from gangting.citizens.rules import age_on
from gangting.kernel.calendar import add_years
from gangting.kernel.ids import new_id
from gangting.licences.rules import (
    LicenceStatus,
    Validity,
    expiry_on,
    learner_period_end,
    next_validity,
)

_EARLIEST_FIRST_ISSUE = date(1990, 1, 1)
_MAIN_CLASSES = ("C1", "C2", "B2", "A2", "A1", "B1", "A3")
_MAIN_CUM = tuple(accumulate((80.0, 10.0, 3.5, 2.0, 1.5, 1.5, 1.0)))
_LARGE = frozenset({"A1", "A2", "A3", "B1", "B2"})

LICENCE_COLUMNS = (
    "id",
    "citizen_id",
    "licence_no",
    "classes",
    "first_issued_on",
    "learner_until",
    "validity",
    "valid_from",
    "expires_on",
    "status",
    "had_full_score_in_validity",
    "version",
    "serial_no",
)


@dataclass(slots=True)
class LicenceDraft:
    id: uuid.UUID
    citizen_id: uuid.UUID
    licence_no: str
    classes: str
    first_issued_on: date
    learner_until: date | None
    validity: str
    valid_from: date
    expires_on: date | None
    status: str
    had_full_score_in_validity: bool = False

    def row(self) -> tuple[object, ...]:
        return (
            self.id,
            self.citizen_id,
            self.licence_no,
            self.classes,
            self.first_issued_on,
            self.learner_until,
            self.validity,
            self.valid_from,
            self.expires_on,
            self.status,
            self.had_full_score_in_validity,
            1,
            1,
        )


def _classes(rng: random.Random, age: int, learner: bool) -> str:
    if learner:
        main = rng.choices(("C1", "C2"), cum_weights=(85, 100))[0]
    else:
        main = rng.choices(_MAIN_CLASSES, cum_weights=_MAIN_CUM)[0]
        # 162号令 第65条: large classes end at 60; at 70 only C1/C2/C5/F remain.
        if main in _LARGE and (age >= 60 or age < 22):
            main = "C1"
    extra = ""
    if age < 70 and not learner:
        r = rng.random()
        extra = ",E" if r < 0.05 else ",D" if r < 0.06 else ""
    return main + extra


def _chain(first: date, today: date) -> list[tuple[date, Validity, date | None]]:
    """Every licence period since the first issue, renewed on each expiry with the next
    validity (no full-score cycle assumed), up to the one running on ``today``."""
    periods: list[tuple[date, Validity, date | None]] = []
    valid_from, validity = first, Validity.SIX_YEARS
    while True:
        expires = expiry_on(valid_from, validity)
        periods.append((valid_from, validity, expires))
        if expires is None or expires >= today:
            return periods
        valid_from, validity = expires, next_validity(validity, False)


def make_licence(
    rng: random.Random,
    *,
    citizen_id: uuid.UUID,
    id_number: str,
    birth: date,
    today: date,
    first_issued_on: date | None = None,
    learner: bool | None = None,
    clean: bool = False,
) -> LicenceDraft:
    """A licence for a person born on ``birth``; ``clean`` keeps it valid (personas)."""
    earliest = max(_EARLIEST_FIRST_ISSUE, add_years(birth, 18))
    latest = today - timedelta(days=30)
    if first_issued_on is None:
        if learner is None:
            learner = rng.random() < 0.01
        if learner:
            lo = max(earliest, today - timedelta(days=364))
        else:
            lo = earliest
        span = max(0, (latest - lo).days)
        # Drivers multiplied after 2000: skew the first issue a little towards recent years
        # (about 6 % of licences end up in their learner period).
        first_issued_on = lo + timedelta(days=int(span * rng.random() ** 0.95))
    is_learner = learner_period_end(first_issued_on) >= today
    periods = _chain(first_issued_on, today)
    valid_from, validity, expires = periods[-1]
    status = LicenceStatus.VALID
    if not clean and len(periods) > 1:
        _, _, previous_expiry = periods[-2]
        assert previous_expiry is not None
        days_expired = (today - previous_expiry).days
        if days_expired <= 365 and rng.random() < 0.25:
            valid_from, validity, expires = periods[-2]
            status = LicenceStatus.EXPIRED
        elif 365 < days_expired <= 3 * 365 and rng.random() < 0.03:
            valid_from, validity, expires = periods[-2]
            status = LicenceStatus.CANCELLED  # expired more than a year (第79条(八))
    if not clean and status is LicenceStatus.VALID:
        r = rng.random()
        if r < 0.003:
            status = LicenceStatus.SUSPENDED
        elif r < 0.005:
            status = LicenceStatus.REVOKED
        elif r < 0.006:
            status = LicenceStatus.CANCELLED
    return LicenceDraft(
        id=new_id(),
        citizen_id=citizen_id,
        licence_no=id_number,
        classes=_classes(rng, age_on(birth, today), is_learner),
        first_issued_on=first_issued_on,
        learner_until=learner_period_end(first_issued_on) if is_learner else None,
        validity=validity.value,
        valid_from=valid_from,
        expires_on=expires,
        status=status.value,
    )
