"""What a matter (办理事项) is, pure: the key that ties the visits of one matter together, so
that the one-visit rate (一次办结率, "最多跑一次") can count how many visits it took.

The rule (docs/decisions/0023):

* A matter is one citizen's one service item, and for an inspection mark one vehicle:
  its *subject* is ``<prefix>:<citizen uuid hex>[:<plate>]`` (the prefix per service item
  is in ``MATTER_PREFIX``). The citizen's UUID, never the ID number: the key carries no
  personal data.
* A matter opens at its first visit and closes when a visit completes it. A visit on the
  same subject while the latest matter is still open (its last visit was refused or
  referred, no more than ``MATTER_OPEN_DAYS`` days ago) is that matter's next visit
  (``visit_no`` + 1); otherwise it opens a new matter, whose key is the subject and the
  UTC second of its first visit: ``<subject>:<YYYYMMDDTHHMMSS>``.

Source: the reform's own promise "马上办·网上办·就近办·一次办" (shared/domain/GLOSSARY.md:
"in one visit"): a matter is done in one visit when the citizen did not have to come back
for it. How long a refused matter stays open is not written anywhere; the window is ours.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

MATTER_PREFIX: dict[str, str] = {
    "process_violations": "violation",
    "pay_fines": "fine",
    "renewal": "renewal",
    "replacement": "replacement",
    "health_certificate": "health",
    "inspection_mark": "mark",
    "study_deduction": "study",
    "full_score_clearance": "full_score",
    "driver_review": "review",
    "cognitive_test": "cognitive",
    "inspection_mark_reissue": "mark_reissue",
}
# A refused matter the citizen does not come back for within this many days is abandoned;
# a later visit on the same subject opens a new matter.
MATTER_OPEN_DAYS = 30
OUTCOMES = ("completed", "refused", "referred")
CHANNELS = ("booth", "hall")


@dataclass(frozen=True)
class PriorVisit:
    """The latest earlier visit on the same subject."""

    matter_key: str
    visit_no: int
    outcome: str
    started_at: datetime


def matter_subject(service_item: str, citizen_id: uuid.UUID, plate: str | None = None) -> str:
    """``<prefix>:<citizen hex>`` and, for an inspection mark, ``:<plate>`` (one matter per
    vehicle). Unknown service items use their own name as the prefix."""
    prefix = MATTER_PREFIX.get(service_item, service_item)
    subject = f"{prefix}:{citizen_id.hex}"
    if service_item in ("inspection_mark", "inspection_mark_reissue") and plate:
        subject += f":{plate.strip().upper()}"
    return subject


def matter_of(subject: str, started_at: datetime, prior: PriorVisit | None) -> tuple[str, int]:
    """(matter_key, visit_no) of a visit on ``subject`` starting at ``started_at``.

    Continues ``prior``'s matter when that matter is still open: its visit was not
    completed and started at most ``MATTER_OPEN_DAYS`` days before. Otherwise a new matter,
    keyed by the subject and this visit's UTC second, with visit_no 1.
    """
    if (
        prior is not None
        and prior.matter_key.startswith(subject + ":")
        and prior.outcome != "completed"
        and (started_at - prior.started_at).total_seconds() <= MATTER_OPEN_DAYS * 86_400
    ):
        return prior.matter_key, prior.visit_no + 1
    return f"{subject}:{started_at.astimezone(UTC):%Y%m%dT%H%M%S}", 1


def outcome_of(application_state: str) -> str:
    """A completed application completed the visit; a refused one refused it; anything else
    (pending: handed on to an office) counts as referred (转办)."""
    if application_state in ("completed", "refused"):
        return application_state
    return "referred"


def refusal_code_of(reasons: list[dict[str, object]], state: str) -> str | None:
    """A refused visit's stable reason: the decision's first reason code (64 chars max)."""
    if state != "refused" or not reasons:
        return None
    code = reasons[0].get("code")
    return str(code)[:64] if code else None
