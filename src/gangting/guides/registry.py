"""Every business's guide, as the domains register them next to their rules
(``<domain>/guide.py``'s ``GUIDES``), built from the running Settings and published with a
version and an effective date (``applications.guides.published``)."""

from __future__ import annotations

from datetime import date

from gangting.accidents import guide as accidents_guide
from gangting.applications.guides import Guide, GuideSpec, published
from gangting.applications.rules import SERVICE_ZH
from gangting.config import Settings
from gangting.fines import guide as fines_guide
from gangting.licences import guide as licences_guide
from gangting.points import guide as points_guide
from gangting.referrals import guide as referrals_guide
from gangting.vehicles import guide as vehicles_guide
from gangting.violations import guide as violations_guide

# One line per domain that registers guides; the order is the order of the public list.
SPECS: tuple[GuideSpec, ...] = (
    *violations_guide.GUIDES,
    *fines_guide.GUIDES,
    *licences_guide.GUIDES,
    *vehicles_guide.GUIDES,
    *points_guide.GUIDES,
    *referrals_guide.GUIDES,
    *accidents_guide.GUIDES,
)


class GuideNotFound(LookupError):
    """No business of this name has a guide."""


def configured_on(settings: Settings) -> date | None:
    return (
        date.fromisoformat(settings.guides_effective_on) if settings.guides_effective_on else None
    )


def build(spec: GuideSpec, settings: Settings) -> Guide:
    return published(spec.build(settings), configured_on(settings))


def all_guides(settings: Settings) -> list[Guide]:
    return [build(spec, settings) for spec in SPECS]


def spec_for(business: str) -> GuideSpec:
    for spec in SPECS:
        if spec.business == business:
            return spec
    raise GuideNotFound(business)


def guide_for(business: str, settings: Settings) -> Guide:
    return build(spec_for(business), settings)


def problems(settings: Settings) -> list[str]:
    """What is wrong with the registry: a service item without a guide, a guide of no service
    item, a business twice, a condition code twice in one guide. Empty when all is well."""
    out: list[str] = []
    names = [s.business for s in SPECS]
    out += [f"{n}: registered twice" for n in sorted({n for n in names if names.count(n) > 1})]
    out += [f"{n}: a service item without a guide" for n in SERVICE_ZH if n not in names]
    out += [f"{n}: a guide of no service item" for n in names if n not in SERVICE_ZH]
    for guide in all_guides(settings):
        codes = [c for cond in guide.conditions for c in cond.all_codes]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        out += [f"{guide.business}: condition code {c} twice" for c in twice]
        if guide.title != SERVICE_ZH.get(guide.business, guide.title):
            out.append(f"{guide.business}: title differs from the service item's name")
    return out
