from datetime import date

import pytest

from gangting.licences.rules import (
    LARGE_CLASSES,
    LicenceClass,
    LicenceStatus,
    Validity,
    age_limits_on,
    applicant_age_allowed,
    expiry_on,
    health_certificate_required,
    health_certificate_valid,
    learner_period_end,
    next_validity,
    renewal_window,
    replacement_allowed,
    should_cancel_for_expiry,
)


def test_every_class_has_a_chinese_name() -> None:
    assert LicenceClass.C1.zh_name == "小型汽车"
    assert LicenceClass.A2.zh_name == "重型牵引挂车"
    assert all(c.zh_name for c in LicenceClass)


def test_large_classes_are_a1_a2_a3_b1_b2() -> None:
    assert {c.value for c in LARGE_CLASSES} == {"A1", "A2", "A3", "B1", "B2"}


@pytest.mark.parametrize(
    ("valid_from", "validity", "expected"),
    [
        (date(2020, 3, 15), Validity.SIX_YEARS, date(2026, 3, 15)),
        (date(2020, 3, 15), Validity.TEN_YEARS, date(2030, 3, 15)),
        (date(2020, 2, 29), Validity.SIX_YEARS, date(2026, 2, 28)),
        (date(2020, 3, 15), Validity.LONG_TERM, None),
    ],
)
def test_expiry_on_adds_the_validity_years(
    valid_from: date, validity: Validity, expected: date | None
) -> None:
    assert expiry_on(valid_from, validity) == expected


EXPIRES = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("on", "allowed", "code"),
    [
        (date(2026, 3, 31), False, "licences.renewal_too_early"),  # 91 days before
        (date(2026, 4, 1), True, "licences.renewal_open"),  # 90 days before (第63条)
        (EXPIRES, True, "licences.renewal_open"),
        (date(2026, 7, 1), True, "licences.renewal_overdue"),
        (date(2027, 6, 30), True, "licences.renewal_overdue"),  # exactly one year
        (date(2027, 7, 1), False, "licences.renewal_expired_over_one_year"),  # 第79条(八)
    ],
)
def test_renewal_window_boundaries(on: date, allowed: bool, code: str) -> None:
    decision = renewal_window(EXPIRES, on)
    assert decision.allowed is allowed
    assert decision.reasons[0].code == code


@pytest.mark.parametrize(("on", "cancel"), [(date(2027, 6, 30), False), (date(2027, 7, 1), True)])
def test_licence_is_cancelled_after_more_than_one_year_expired(on: date, cancel: bool) -> None:
    assert should_cancel_for_expiry(EXPIRES, on) is cancel


@pytest.mark.parametrize(
    ("current", "full_score", "expected"),
    [
        (Validity.SIX_YEARS, False, Validity.TEN_YEARS),  # 第62条
        (Validity.TEN_YEARS, False, Validity.LONG_TERM),
        (Validity.SIX_YEARS, True, Validity.SIX_YEARS),
        (Validity.TEN_YEARS, True, Validity.TEN_YEARS),
        (Validity.LONG_TERM, True, Validity.LONG_TERM),
    ],
)
def test_next_validity_moves_up_only_without_a_full_score_cycle(
    current: Validity, full_score: bool, expected: Validity
) -> None:
    assert next_validity(current, full_score) is expected


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (LicenceStatus.VALID, True),
        (LicenceStatus.DETAINED, False),  # 第69条第3款
        (LicenceStatus.SUSPENDED, False),
        (LicenceStatus.SEIZED, False),
        (LicenceStatus.REVOKED, False),
        (LicenceStatus.CANCELLED, False),
        (LicenceStatus.EXPIRED, False),
    ],
)
def test_replacement_is_refused_while_detained_or_no_longer_valid(
    status: LicenceStatus, allowed: bool
) -> None:
    decision = replacement_allowed(status)
    assert decision.allowed is allowed
    assert decision.legal_basis


BORN_1955 = date(1955, 8, 1)


def test_health_certificate_not_required_under_seventy() -> None:
    due = health_certificate_required(BORN_1955, date(2025, 7, 31), date(2025, 8, 1))
    assert not due.required
    assert due.submit_by is None


@pytest.mark.parametrize(
    ("on", "overdue", "cancellable"),
    [
        (date(2026, 1, 10), False, False),
        (date(2026, 1, 30), False, False),  # 30th day after the cycle end (第74条)
        (date(2026, 1, 31), True, False),
        (date(2026, 12, 31), True, False),  # exactly one year: not yet (第79条(九))
        (date(2027, 1, 1), True, True),
    ],
)
def test_health_certificate_for_seventy_plus_is_due_within_30_days(
    on: date, overdue: bool, cancellable: bool
) -> None:
    due = health_certificate_required(BORN_1955, date(2025, 12, 31), on)
    assert due.required
    assert due.submit_by == date(2026, 1, 30)
    assert (due.overdue, due.cancellable) == (overdue, cancellable)


@pytest.mark.parametrize(
    ("on", "valid"),
    [
        (date(2026, 1, 14), False),
        (date(2026, 1, 15), True),
        (date(2026, 7, 14), True),  # last day of the 6 months (第85条)
        (date(2026, 7, 15), False),
    ],
)
def test_health_certificate_is_valid_six_months(on: date, valid: bool) -> None:
    assert health_certificate_valid(date(2026, 1, 15), on) is valid


@pytest.mark.parametrize(
    ("issued", "end"),
    [
        (date(2026, 3, 15), date(2027, 3, 14)),  # 第76条: 12 months
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_learner_period_lasts_twelve_months(issued: date, end: date) -> None:
    assert learner_period_end(issued) == end


def test_age_table_switches_to_order_172_on_2025_01_01() -> None:
    basis_162, table_162 = age_limits_on(date(2024, 12, 31))
    basis_172, table_172 = age_limits_on(date(2025, 1, 1))
    assert table_162[LicenceClass.B2].max_age == 60
    assert table_172[LicenceClass.B2].max_age == 63
    assert table_172[LicenceClass.E].max_age == 70
    assert table_172[LicenceClass.C1].max_age is None
    assert "172" in basis_172 and "172" not in basis_162


@pytest.mark.parametrize(
    ("cls", "birth", "on", "allowed"),
    [
        (LicenceClass.C1, date(2008, 5, 2), date(2026, 5, 1), False),  # day before 18
        (LicenceClass.C1, date(2008, 5, 1), date(2026, 5, 1), True),  # 18th birthday
        (LicenceClass.C1, date(1940, 1, 1), date(2026, 5, 1), True),  # no upper limit
        (LicenceClass.A1, date(2005, 1, 1), date(2026, 5, 1), False),  # 21 < 22
        (LicenceClass.B2, date(1963, 1, 1), date(2024, 6, 1), False),  # 61 under 162
        (LicenceClass.B2, date(1963, 1, 1), date(2025, 6, 1), True),  # 62 under 172
        (LicenceClass.B2, date(1962, 1, 1), date(2025, 12, 31), True),  # 63 included
        (LicenceClass.B2, date(1961, 1, 1), date(2025, 6, 1), False),  # 64
        (LicenceClass.E, date(1956, 1, 1), date(2025, 6, 1), True),  # 69 under 172
    ],
)
def test_applicant_age_limits(cls: LicenceClass, birth: date, on: date, allowed: bool) -> None:
    assert applicant_age_allowed(cls, birth, on).allowed is allowed


def test_vocational_students_may_apply_for_a1_from_nineteen() -> None:
    birth, on = date(2006, 1, 1), date(2026, 1, 1)  # 20
    assert not applicant_age_allowed(LicenceClass.A1, birth, on).allowed
    assert applicant_age_allowed(LicenceClass.A1, birth, on, vocational_student=True).allowed
