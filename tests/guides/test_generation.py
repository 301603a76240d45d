"""The guides are generated from the rules and Settings: their numbers are the rules' and the
settings' own, a changed setting gives a changed guide with a new version, and every service
item of the booth has one guide."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gangting.applications.guides import fingerprint, page_url, pointer, published
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.fines.rules import FinePolicy
from gangting.guides.registry import SPECS, all_guides, guide_for, problems
from gangting.kernel.calendar import add_months, add_years
from gangting.licences.guide import (
    certificate_valid_months,
    overdue_renewal_years,
    renewal_window_days,
    yearly_certificate_age,
)
from gangting.licences.rules import health_certificate_valid, renewal_window
from gangting.points.rules import FULL_SCORE, MAX_DEDUCTION_PER_CYCLE
from gangting.vehicles.rules import InspectionPolicy


def _settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


def _text(guide: object) -> str:
    return str(guide)


def test_every_service_item_has_one_guide_and_the_registry_is_sound() -> None:
    assert sorted(s.business for s in SPECS) == sorted(SERVICE_ZH)
    assert problems(_settings()) == []
    for guide in all_guides(_settings()):
        assert guide.title == SERVICE_ZH[guide.business]
        for part in (guide.applicants, guide.conditions, guide.materials, guide.steps):
            assert part, (guide.business, part)
        assert guide.legal_basis and all("《" in b for b in guide.legal_basis)
        assert guide.fees and guide.time_limits and guide.channels
        for condition in guide.conditions:
            assert condition.legal_basis and all("《" in b for b in condition.legal_basis)
            assert condition.on_failure and condition.text


def test_the_probed_numbers_are_what_the_rules_decide() -> None:
    days = renewal_window_days()
    expires = date(2027, 6, 1)
    assert renewal_window(expires, expires - timedelta(days=days)).allowed
    assert not renewal_window(expires, expires - timedelta(days=days + 1)).allowed
    months = certificate_valid_months()
    issued = date(2026, 1, 15)
    assert health_certificate_valid(issued, add_months(issued, months) - timedelta(days=1))
    assert not health_certificate_valid(issued, add_months(issued, months))
    assert overdue_renewal_years() >= 1 and yearly_certificate_age() > 18


def test_the_guides_state_the_rules_numbers() -> None:
    s = _settings()
    renewal = _text(guide_for("renewal", s))
    assert f"有效期满前{renewal_window_days()}日内" in renewal
    assert f"{certificate_valid_months()}个月内有效" in renewal
    assert f"年满{yearly_certificate_age()}周岁" in _text(guide_for("health_certificate", s))
    study = _text(guide_for("study_deduction", s))
    assert f"未满{FULL_SCORE}分" in study and f"最多扣减{MAX_DEDUCTION_PER_CYCLE}分" in study
    mark = _text(guide_for("inspection_mark", s))
    policy = InspectionPolicy()
    assert f"核定载客不超过{policy.max_exempt_seats}人" in mark
    assert f"满前{policy.window_months}个月内" in mark
    pay = _text(guide_for("pay_fines", s))
    assert f"{FinePolicy().deadline_days}日内" in pay
    assert f"{(FinePolicy().late_fee_rate * 100).normalize():f}%" in pay


def test_a_changed_setting_changes_the_guide_and_its_version() -> None:
    before = guide_for("apply_fine_deferral", _settings())
    after = guide_for(
        "apply_fine_deferral", _settings(fine_deferral_max_days=45, fine_instalments_max_count=4)
    )
    assert "缴款期限后90日" in _text(before) and "2至6期" in _text(before)
    assert "缴款期限后45日" in _text(after) and "2至4期" in _text(after)
    assert after.version != before.version
    # the other guides do not change
    assert (
        guide_for("renewal", _settings()).version
        == guide_for("renewal", _settings(fine_deferral_max_days=45)).version
    )


def test_the_licence_fee_and_the_mark_policy_come_from_settings() -> None:
    free = guide_for("renewal", _settings())
    paid = guide_for("renewal", _settings(licence_card_fee_fen=1000))
    assert "不收取费用" in _text(free) and "工本费10.00元" in _text(paid)
    assert paid.version != free.version
    strict = guide_for("inspection_mark", _settings())
    lax = guide_for("inspection_mark", _settings(mark_requires_violations_processed=False))
    codes = {c.code for c in strict.conditions} - {c.code for c in lax.conditions}
    assert codes == {"vehicles.unprocessed_violations"}


def test_first_offence_conditions_follow_the_switch() -> None:
    on = guide_for("process_violations", _settings())
    off = guide_for("process_violations", _settings(first_offence_enabled=False))
    assert on.condition_for("violations.first_offence_not_first") is not None
    assert off.condition_for("violations.first_offence_not_first") is None
    assert on.version != off.version


def test_the_effective_date_is_the_later_of_the_rules_and_the_configuration() -> None:
    plain = guide_for("renewal", _settings())
    assert plain.effective_on == plain.rules_since
    assert plain.version.startswith(f"{plain.rules_since:%Y%m%d}-")
    configured = guide_for("renewal", _settings(guides_effective_on="2026-12-01"))
    assert configured.effective_on == date(2026, 12, 1)
    assert configured.version.startswith("20261201-")
    # a configuration day before the rules took effect does not move the guide back
    early = guide_for("renewal", _settings(guides_effective_on="2001-01-01"))
    assert early.effective_on == plain.rules_since
    # one content, one fingerprint, whatever day it is published on
    assert fingerprint(plain) == fingerprint(configured)
    again = published(plain, add_years(plain.rules_since, 1))
    assert again.version.split("-")[1] == plain.version.split("-")[1]


def test_a_pointer_names_the_business_condition_and_page() -> None:
    assert pointer("renewal", "licences.renewal_too_early") == {
        "business": "renewal",
        "condition": "licences.renewal_too_early",
        "url": "/guides/renewal.html#licences.renewal_too_early",
    }
    assert page_url("renewal") == "/guides/renewal.html"


@pytest.mark.parametrize("business", sorted(SERVICE_ZH))
def test_the_json_of_each_guide_lists_every_code_of_each_condition(business: str) -> None:
    data = guide_for(business, _settings()).to_dict()
    assert data["business"] == business and data["version"] and data["effective_on"]
    for item in data["conditions"]:
        assert item["codes"][0] == item["code"]
        assert item["url"].endswith("#" + item["code"])
