"""The check that every refusal a business's use case can raise is a condition of its guide
(run by the tests; ``uncovered`` reads the services' source, see ``guides.scan``)."""

from __future__ import annotations

from gangting.applications.guides import Guide, GuideSpec
from gangting.guides.scan import refusal_codes, resolve


def raised_codes(spec: GuideSpec) -> set[str]:
    return set().union(*(refusal_codes(resolve(entry), spec.scan) for entry in spec.entries))


def uncovered(spec: GuideSpec, guide: Guide) -> set[str]:
    """The refusal codes of ``spec``'s use case that no condition of ``guide`` carries."""
    known = {code for condition in guide.conditions for code in condition.all_codes}
    return raised_codes(spec) - known
