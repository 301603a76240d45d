"""Pure rules of the watch-list (缉查布控): why a plate is listed, how a plate read matches a
listed plate despite the reader's confusable characters, and when two reads are one pass.
Stdlib + kernel only; no database, web or MQTT.

Why a plate is listed (``ReasonKind``), each with its legal source:
- overdue_inspection: 道交法 第13条 (periodic inspection), 第95条 and 处理程序规定 第27条(一)
  (a vehicle on the road without a valid inspection mark is detained);
- scrapped: 道交法 第14条 (a vehicle that reached the scrapping standard must not be driven),
  第100条 (collected and scrapped), 处理程序规定 第27条(六);
- stolen: 登记规定 第76条 (recorded on the criminal police's information), 处理程序规定
  第27条(五) (a vehicle suspected stolen is detained);
- seized: 行政强制法 第9条 (查封、扣押 are coercive measures: the vehicle belongs in custody)
  and 登记规定 第15条(八) (the status is recorded) [U: why a seized vehicle is looked for
  is practice, no article orders it];
- many_unprocessed_violations: 处理程序规定 第54条 (five or more unprocessed records start
  the notice procedure; the threshold is a setting, default 5);
- manual: a person's reason, with an owner and an expiry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from gangting.alerts.rules import Severity
from gangting.kernel import law
from gangting.watchlists.errors import ExpiryInvalid, OwnerRequired, ReasonRequired


class ReasonKind(StrEnum):
    OVERDUE_INSPECTION = "overdue_inspection"
    SCRAPPED = "scrapped"
    STOLEN = "stolen"
    SEIZED = "seized"
    MANY_UNPROCESSED_VIOLATIONS = "many_unprocessed_violations"
    MANUAL = "manual"


class SourceKind(StrEnum):
    """What an entry comes from: the vehicle (status or inspection), the plate's
    unprocessed violations, or a person ("staff", manual)."""

    VEHICLE = "vehicle"
    VIOLATIONS = "violations"
    STAFF = "staff"


DERIVED_KINDS: tuple[ReasonKind, ...] = tuple(k for k in ReasonKind if k is not ReasonKind.MANUAL)
# Vehicle statuses (vehicles.rules.VehicleStatus values) that list a plate under the same name.
STATUS_KINDS: tuple[ReasonKind, ...] = (ReasonKind.SCRAPPED, ReasonKind.STOLEN, ReasonKind.SEIZED)

REASON_KIND_ZH: dict[str, str] = {
    ReasonKind.OVERDUE_INSPECTION: "逾期未检验",
    ReasonKind.SCRAPPED: "达到报废标准/已注销",
    ReasonKind.STOLEN: "被盗抢骗",
    ReasonKind.SEIZED: "被查封、扣押",
    ReasonKind.MANY_UNPROCESSED_VIOLATIONS: "多起交通违法未处理",
    ReasonKind.MANUAL: "人工布控",
}

LEGAL_BASIS: dict[str, tuple[str, ...]] = {
    ReasonKind.OVERDUE_INSPECTION: (
        law.cite(law.ROAD_LAW, "第13条"),
        law.cite(law.ROAD_LAW, "第95条"),
        law.cite(law.PROCEDURE, "第27条"),
    ),
    ReasonKind.SCRAPPED: (
        law.cite(law.ROAD_LAW, "第14条"),
        law.cite(law.ROAD_LAW, "第100条"),
        law.cite(law.PROCEDURE, "第27条"),
    ),
    ReasonKind.STOLEN: (law.cite(law.REGISTRATION, "第76条"), law.cite(law.PROCEDURE, "第27条")),
    ReasonKind.SEIZED: (
        law.cite(law.COERCION_LAW, "第9条"),
        law.cite(law.REGISTRATION, "第15条"),
    ),
    ReasonKind.MANY_UNPROCESSED_VIOLATIONS: (law.cite(law.PROCEDURE, "第54条"),),
    ReasonKind.MANUAL: (),
}

# Which entry a hit names when one read matches several (a stolen car that is also overdue):
# the gravest first.
PRIORITY: dict[str, int] = {
    ReasonKind.STOLEN: 0,
    ReasonKind.SEIZED: 1,
    ReasonKind.MANUAL: 2,
    ReasonKind.SCRAPPED: 3,
    ReasonKind.MANY_UNPROCESSED_VIOLATIONS: 4,
    ReasonKind.OVERDUE_INSPECTION: 5,
}

# The alert severity of a hit on an entry of each kind (alerts: high | medium | low).
HIT_SEVERITY: dict[str, Severity] = {
    ReasonKind.STOLEN: "high",
    ReasonKind.SEIZED: "high",
    ReasonKind.MANUAL: "high",
    ReasonKind.SCRAPPED: "medium",
    ReasonKind.MANY_UNPROCESSED_VIOLATIONS: "low",
    ReasonKind.OVERDUE_INSPECTION: "low",
}


class EntryState(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


ENTRY_STATES: tuple[str, ...] = tuple(EntryState)


class HitState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


HIT_STATES: tuple[str, ...] = tuple(HitState)


@dataclass(frozen=True)
class WatchListPolicy:
    """Settings of the watch-list (GANGTING_WATCH_LIST_*).

    ``violation_threshold``: unprocessed violation records that list a plate (处理程序规定
    第54条 names five). ``min_score``: the lowest match score that makes a hit.
    ``hit_window_s``: reads of one plate at one booth this close in time are one pass.
    ``manual_max_days``: the longest a manual entry may run before it must be renewed.
    """

    violation_threshold: int = 5
    min_score: float = 0.5
    hit_window_s: int = 300
    manual_max_days: int = 90


# --- why a plate is listed --------------------------------------------------------------


def derived_kinds(
    *,
    status: str,
    inspection_valid_until: date,
    unprocessed_violations: int,
    today: date,
    threshold: int,
) -> frozenset[ReasonKind]:
    """The derived reasons a vehicle's records list its plate for (see the module docstring
    for the sources). The database derivation (``watchlists.derivation``) is the set-based
    form of this function; tests hold the two together.

    - status "scrapped" | "stolen" | "seized" lists the plate under that kind;
    - ``inspection_valid_until`` before ``today`` (the mark is valid through that day, in
      the city's calendar) lists it as overdue_inspection, but only for a vehicle not
      already listed by its status (a stolen car is not looked for to be inspected);
    - ``unprocessed_violations`` >= ``threshold`` lists it as many_unprocessed_violations
      (whatever the status: the records are the driver's to process).
    """
    kinds: set[ReasonKind] = set()
    by_status = status in STATUS_KINDS
    if by_status:
        kinds.add(ReasonKind(status))
    if not by_status and inspection_valid_until < today:
        kinds.add(ReasonKind.OVERDUE_INSPECTION)
    if unprocessed_violations >= threshold:
        kinds.add(ReasonKind.MANY_UNPROCESSED_VIOLATIONS)
    return frozenset(kinds)


def derived_reason(kind: ReasonKind, facts: Mapping[str, Any]) -> str:
    """The zh-CN reason text of a derived entry from the facts the derivation saw
    (``inspection_valid_until`` ISO date, ``unprocessed`` count, ``threshold``)."""
    if kind is ReasonKind.OVERDUE_INSPECTION:
        return f"检验有效期至{facts['inspection_valid_until']}，逾期未检验"
    if kind is ReasonKind.SCRAPPED:
        return "已达到报废标准或已注销，不得上道路行驶"
    if kind is ReasonKind.STOLEN:
        return "被盗抢骗机动车"
    if kind is ReasonKind.SEIZED:
        return "被依法查封、扣押的机动车"
    if kind is ReasonKind.MANY_UNPROCESSED_VIOLATIONS:
        return f"有{facts['unprocessed']}起交通违法记录未处理（{facts['threshold']}起及以上布控）"
    raise ValueError("a manual entry carries a person's reason")


def check_manual_entry(
    reason: str,
    owner: str | None,
    expires_at: datetime | None,
    now: datetime,
    policy: WatchListPolicy,
) -> str:
    """A manual entry needs a reason (4–200 characters after trimming), an owner (the staff
    member answerable for it) and an expiry after ``now`` and at most
    ``policy.manual_max_days`` later (an entry nobody renews must not stay forever).
    Returns the trimmed reason; raises ``ReasonRequired``, ``OwnerRequired`` or
    ``ExpiryInvalid`` (422, zh-CN)."""
    text = reason.strip()
    if not 4 <= len(text) <= 200:
        raise ReasonRequired(
            "人工布控须填写布控事由（4至200字）", data={"min_chars": 4, "max_chars": 200}
        )
    if not owner or not owner.strip():
        raise OwnerRequired("人工布控须指定责任人")
    if expires_at is None:
        raise ExpiryInvalid("人工布控须设定到期时间", data={"reason": "missing"})
    if expires_at.tzinfo is None:
        raise ExpiryInvalid("到期时间须带时区", data={"reason": "naive"})
    if expires_at <= now:
        raise ExpiryInvalid("到期时间须晚于当前时间", data={"reason": "past"})
    if expires_at > now + timedelta(days=policy.manual_max_days):
        raise ExpiryInvalid(
            f"人工布控最长{policy.manual_max_days}天，到期后可重新布控",
            data={"reason": "too_far", "max_days": policy.manual_max_days},
        )
    return text


# --- matching ---------------------------------------------------------------------------

# Characters the plate reader confuses (identification/plates/grammar.py repairs the first
# five groups; 6/G is confused in practice too). The first character of a group is its class.
CONFUSABLE_GROUPS: tuple[str, ...] = ("0DQO", "8B", "1I", "2Z", "5S", "6G")
_CLASS: dict[str, str] = {c: g[0] for g in CONFUSABLE_GROUPS for c in g}
_CANONICAL = str.maketrans(_CLASS)

# A confusable substitution multiplies the score by a factor between these two: the more
# confident the reader was of the character it read, the less likely it misread it, so the
# lower the factor. One fully confident substitution scores 0.5; none scores 0.9.
SUBSTITUTION_FACTOR_CONFIDENT = 0.5
SUBSTITUTION_FACTOR_UNSURE = 0.9


def canonical_key(plate: str) -> str:
    """The plate with every confusable character replaced by its group's class
    (0/D/Q/O -> 0, 8/B -> 8, 1/I -> 1, 2/Z -> 2, 5/S -> 5, 6/G -> 6): two plates can match
    only when their keys are equal. ``plate`` is in the compact form ("蒙B12345")."""
    return plate.translate(_CANONICAL)


def substitution_factor(confidence: float) -> float:
    """The score factor of one confusable substitution at a character the reader read with
    ``confidence`` (clamped to [0, 1]): 0.9 at 0, falling linearly to 0.5 at 1."""
    c = min(1.0, max(0.0, confidence))
    return (
        SUBSTITUTION_FACTOR_UNSURE
        - (SUBSTITUTION_FACTOR_UNSURE - SUBSTITUTION_FACTOR_CONFIDENT) * c
    )


def match_score(
    read: str, listed: str, confidences: Sequence[float] | None = None
) -> tuple[float, tuple[int, ...]] | None:
    """How well a read plate matches a listed plate: (score, substituted positions), or None
    when they cannot be the same plate.

    Exact: 1.0. Each position where the two differ by a confusable pair (same group of
    ``CONFUSABLE_GROUPS``) multiplies the score by ``substitution_factor`` of the reader's
    confidence in that character. Any other difference, including the province character
    and a different length, is no match. ``confidences`` are per character of ``read``;
    missing or of the wrong length, every character counts as read with full confidence
    (the strictest score).
    """
    if len(read) != len(listed):
        return None
    usable = confidences is not None and len(confidences) == len(read)
    score = 1.0
    substituted: list[int] = []
    for i, (a, b) in enumerate(zip(read, listed, strict=True)):
        if a == b:
            continue
        group = _CLASS.get(a)
        if group is None or group != _CLASS.get(b):
            return None
        score *= substitution_factor(confidences[i] if usable and confidences else 1.0)
        substituted.append(i)
    return score, tuple(substituted)


@dataclass(frozen=True, slots=True)
class ListedPlate:
    """What matching needs of an active entry (the booth's copy holds the same)."""

    entry_id: uuid.UUID
    plate: str
    kind: str
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Match:
    entry: ListedPlate
    score: float
    substituted: tuple[int, ...]


class MatchIndex:
    """Active entries by canonical key: matching one read is one dict lookup plus a score
    for each entry in its bucket (usually one), whatever the size of the list.

    The same structure serves the centre (kept current from the version deltas) and a
    booth's offline copy (``apply`` takes a snapshot delta).
    """

    def __init__(self, entries: Iterable[ListedPlate] = ()) -> None:
        self._by_key: dict[str, list[ListedPlate]] = {}
        self._by_id: dict[uuid.UUID, ListedPlate] = {}
        for entry in entries:
            self.add(entry)

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, entry: ListedPlate) -> None:
        """Add or replace (same ``entry_id``) one entry."""
        self.remove(entry.entry_id)
        self._by_id[entry.entry_id] = entry
        self._by_key.setdefault(canonical_key(entry.plate), []).append(entry)

    def remove(self, entry_id: uuid.UUID) -> None:
        old = self._by_id.pop(entry_id, None)
        if old is None:
            return
        key = canonical_key(old.plate)
        bucket = [e for e in self._by_key.get(key, ()) if e.entry_id != entry_id]
        if bucket:
            self._by_key[key] = bucket
        else:
            self._by_key.pop(key, None)

    def apply(self, upserts: Iterable[ListedPlate], removals: Iterable[uuid.UUID]) -> None:
        """Apply a delta: removals first, then additions (an id in both ends up listed)."""
        for entry_id in removals:
            self.remove(entry_id)
        for entry in upserts:
            self.add(entry)

    def match(
        self,
        plate: str,
        confidences: Sequence[float] | None = None,
        *,
        at: datetime | None = None,
        min_score: float = 0.0,
    ) -> list[Match]:
        """Entries ``plate`` matches with at least ``min_score``, best first (highest score,
        then gravest kind by ``PRIORITY``). An entry whose ``expires_at`` is not after
        ``at`` is skipped (a booth offline for a while must not hit expired entries)."""
        bucket = self._by_key.get(plate.translate(_CANONICAL))
        if not bucket:
            return []
        found: list[Match] = []
        for entry in bucket:
            if at is not None and entry.expires_at is not None and entry.expires_at <= at:
                continue
            scored = match_score(plate, entry.plate, confidences)
            if scored is not None and scored[0] >= min_score:
                found.append(Match(entry, scored[0], scored[1]))
        found.sort(key=lambda m: (-m.score, PRIORITY.get(m.entry.kind, 99)))
        return found


def same_pass(previous_seen_at: datetime, seen_at: datetime, window_s: int) -> bool:
    """Two reads of one listed plate at one booth are one vehicle pass (one hit) when they
    were first seen at most ``window_s`` seconds apart, in either order (an outbox replays
    old reads late). The booth's tracker already votes one read per pass; this folds a
    second camera or a tracker that lost the vehicle for a moment."""
    return abs((seen_at - previous_seen_at).total_seconds()) <= window_s


def hit_may_decide(state: str) -> bool:
    """A hit is decided once: pending -> confirmed | rejected; a decided hit is final."""
    return state == "pending"
