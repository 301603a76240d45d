"""Every refusal a business's use case can raise is a condition of its guide: the scan reads
the services' and rules' source from the entry points (gangting.guides.scan), so a new refusal
code without a condition fails here."""

from __future__ import annotations

import pytest

from gangting.config import Settings
from gangting.guides.coverage import raised_codes, uncovered
from gangting.guides.registry import SPECS, build
from gangting.guides.scan import refusal_codes

SETTINGS = Settings()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.business)
def test_every_refusal_code_of_the_business_is_a_condition_of_its_guide(spec: object) -> None:
    from gangting.applications.guides import GuideSpec

    assert isinstance(spec, GuideSpec)
    guide = build(spec, SETTINGS)
    assert raised_codes(spec), f"{spec.business}: the scan found no refusal at all"
    assert uncovered(spec, guide) == set(), f"{spec.business}: refusals without a condition"


def test_the_scan_reads_what_the_rules_and_services_raise() -> None:
    by_business = {s.business: raised_codes(s) for s in SPECS}
    # a rule's refusals (renewal_window), an override code (ensure_allowed(..., code=)), a
    # named error raised in a helper (find_licence), a Reason refused in the service itself
    assert {
        "licences.renewal_too_early",
        "licences.renewal_expired_over_one_year",
        "licences.renewal_refused",
        "licences.not_found",
        "licences.long_term",
        "licences.health_certificate_invalid",
        "licences.health_certificate_used",
    } <= by_business["renewal"]
    # the allowed reasons of a rule are not refusals
    assert "licences.renewal_open" not in by_business["renewal"]
    assert "licences.renewal_overdue" not in by_business["renewal"]
    # nor are those built inside Decision.allow(...) under a condition: no guide lists them
    assert (
        not {
            "points.full_score_cleared",
            "points.licence_returned",
            "points.licence_kept_until_suspension_ends",
        }
        & by_business["full_score_clearance"]
    )
    assert not {"licences.review_passed", "licences.review_late"} & by_business["driver_review"]
    # errors built and returned (violations.service._refusal), and a rule behind them
    assert {
        "violations.already_processed",
        "violations.not_processable_at_booth",
        "points.other_vehicle_refused",
    } <= by_business["process_violations"]
    assert {"fines.deferral_reason_required", "fines.instalment_count_invalid"} <= by_business[
        "apply_fine_deferral"
    ]


def test_a_guide_missing_a_condition_is_caught() -> None:
    from dataclasses import replace

    spec = next(s for s in SPECS if s.business == "renewal")
    guide = build(spec, SETTINGS)
    cut = replace(
        guide, conditions=tuple(c for c in guide.conditions if c.code != "licences.long_term")
    )
    assert uncovered(spec, cut) == {"licences.long_term"}


def test_the_scan_follows_only_the_packages_it_is_given() -> None:
    from gangting.licences.service import renew_licence

    inside = refusal_codes(renew_licence, ("gangting.licences",))
    alone = refusal_codes(renew_licence, ("gangting.licences.service",))
    assert "licences.renewal_too_early" in inside
    assert "licences.renewal_too_early" not in alone  # renewal_window is in licences.rules
