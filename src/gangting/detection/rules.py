"""Detection rules: the patterns, a case's states, the thresholds, and what a rerun does to
a stored case. Pure: no database, no clock.

A case is proposed by a detector (``desks.detection``) as a ``Proposal``: which pattern fired,
about whom (``subject_kind``/``subject_id``, one case per pattern and subject), the numbers
behind it (``reasons``: a code, a zh-CN message a supervisor can check by hand, the numbers)
and the records (``evidence``: lists of record ids by kind). A rerun updates the stored case;
a decided case (confirmed or a false alarm) is reopened only when the proposal names a record
the stored evidence does not (``has_new_evidence``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# 记分办法 (公安部令第163号) 第30条: taking points for someone else for money (买分卖分).
POINT_TRADING_BASIS = "《道路交通安全违法行为记分管理办法》第30条"
# Evidence lists keep the newest this many ids of each kind (the counts are in the reasons).
EVIDENCE_MAX = 200


class Pattern(StrEnum):
    """What a detector looks for."""

    POINTS_MANY_OWNERS = "points.many_owners"
    POINTS_DENSE_BLOCK = "points.dense_block"
    POINTS_REPEAT_TAKER = "points.repeat_taker"
    AGENTS_SHARED_PHONE = "agents.shared_phone"
    AGENTS_IDENTITY_HOPPING = "agents.identity_hopping"
    OPERATIONS_OFF_HOURS = "operations.off_hours"
    OPERATIONS_OUTLIER = "operations.outlier"
    MODEL_SECOND_OPINION = "model.second_opinion"


class CaseState(StrEnum):
    """open -> confirmed | false_alarm; a decided case goes back to open only on new
    evidence."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    FALSE_ALARM = "false_alarm"


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    FALSE_ALARM = "false_alarm"


VERDICT_ZH = {Verdict.CONFIRMED: "属实", Verdict.FALSE_ALARM: "误报"}


@dataclass(frozen=True)
class Thresholds:
    """When each detector fires. [S]/[U]: chosen here, not from a regulation; the city may
    change them (``GANGTING_DETECT_*``, ``config.Settings``).

    - ``window_days`` (365): the decisions and applications looked at (one scoring cycle is
      12 months, 记分办法 第3条).
    - ``many_owners`` (3): a licence holder taking points for vehicles of at least this many
      distinct other owners in the window (a family sharing a car is one or two owners).
    - ``repeat_cycles`` (3) / ``repeat_decisions`` (8) / ``history_days`` (1095): the same
      driver taking points for other owners' vehicles in at least this many scoring cycles,
      or in at least this many decisions, within the last three cycles.
    - ``block_min_density`` (0.8), ``block_min_drivers`` / ``block_min_owners`` (2),
      ``block_max`` (3): a FRAUDAR block (``desks.detection_scoring.densest_block``) is a case
      when its density (weighted edges per node) reaches the minimum; at most ``block_max``
      blocks a run.
    - ``shared_phone`` (4): one phone number on at least this many citizens who did business
      at the booths in the window.
    - ``hopping_booths`` (3) within ``hopping_window_s`` (3600 s), over the last
      ``hopping_lookback_days`` (30): one citizen's identity verified at that many different
      booths within one hour.
    - ``open_hour`` (8) .. ``close_hour`` (20), Asia/Shanghai, and ``off_hours_min`` (3) over
      ``recent_days`` (30): a booth's applications or a staff account's actions outside the
      opening hours, at least this many.
    - ``outlier_z`` (3.5), ``outlier_min_ops`` (20), ``outlier_min_events`` (3),
      ``outlier_min_peers`` (5): a booth or staff account whose rate per 100 operations is at
      least this robust z-score above its peers' median (Iglewicz & Hoaglin's modified
      z-score, 0.6745 (x - median) / MAD), with at least that many operations and events and
      at least that many peers, over ``recent_days``.
    - ``failed_then_passed_s`` (900 s): a refused identity check of a citizen followed by a
      passed one of the same citizen at the same booth within this time counts as one
      failed-then-passed face check (a booth's rate in ``operations.outlier`` and the second
      opinion).
    - The unsupervised second opinion (``desks.detection_outliers``): ``second_opinion_model``
      (``ecod`` or ``iforest``, PyOD) over per-actor features of booths, staff accounts and
      citizens, one fit per kind; an actor is a case when it ranks in the top
      ``second_opinion_contamination`` (0.01) of its kind, at most ``second_opinion_max`` (5)
      a kind, and at least one of its features is above its peers' median with at most
      ``second_opinion_max_share`` (0.1) of its peers at that value or higher; a kind with
      fewer than ``second_opinion_min_actors`` (10) actors is skipped. ``random_state`` (0)
      fixes the Isolation Forest.
    """

    window_days: int = 365
    many_owners: int = 3
    repeat_cycles: int = 3
    repeat_decisions: int = 8
    history_days: int = 1095
    block_min_density: float = 0.8
    block_min_drivers: int = 2
    block_min_owners: int = 2
    block_max: int = 3
    shared_phone: int = 4
    hopping_booths: int = 3
    hopping_window_s: int = 3600
    hopping_lookback_days: int = 30
    open_hour: int = 8
    close_hour: int = 20
    off_hours_min: int = 3
    recent_days: int = 30
    outlier_z: float = 3.5
    outlier_min_ops: int = 20
    outlier_min_events: int = 3
    outlier_min_peers: int = 5
    failed_then_passed_s: int = 900
    second_opinion_model: str = "ecod"
    second_opinion_contamination: float = 0.01
    second_opinion_max: int = 5
    second_opinion_max_share: float = 0.1
    second_opinion_min_actors: int = 10
    random_state: int = 0


@dataclass(frozen=True)
class Reason:
    """One reason of a case: a stable code, the zh-CN text with the numbers and thresholds
    written out, the numbers themselves, and the legal basis where there is one."""

    code: str
    message: str
    numbers: Mapping[str, Any] = field(default_factory=dict)
    legal_basis: Sequence[str] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "numbers": dict(self.numbers),
            "legal_basis": list(self.legal_basis),
        }


@dataclass(frozen=True)
class Proposal:
    """What one detector run says about one subject."""

    pattern: Pattern
    subject_kind: str
    subject_id: str
    subject_label: str
    unit_path: str
    score: float
    reasons: Sequence[Reason]
    evidence: Mapping[str, Sequence[str]]

    def evidence_json(self) -> dict[str, list[str]]:
        return {kind: list(ids)[-EVIDENCE_MAX:] for kind, ids in sorted(self.evidence.items())}


def evidence_items(evidence: Mapping[str, Iterable[Any]]) -> set[tuple[str, str]]:
    """Every record an evidence document names, as (kind, id)."""
    return {(kind, str(i)) for kind, ids in evidence.items() for i in ids}


def has_new_evidence(stored: Mapping[str, Iterable[Any]], proposed: Mapping[str, Any]) -> bool:
    """Whether the proposal names a record that the stored case does not."""
    return bool(evidence_items(proposed) - evidence_items(stored))


def state_after_rerun(
    state: CaseState, stored: Mapping[str, Iterable[Any]], proposed: Mapping[str, Any]
) -> CaseState:
    """An open case stays open; a decided case stays decided on the same evidence (a false
    alarm is not raised again by what was already judged) and is reopened on new evidence."""
    if state is CaseState.OPEN or not has_new_evidence(stored, proposed):
        return state
    return CaseState.OPEN


def common_unit_path(paths: Iterable[str | None], root: str) -> str:
    """The deepest unit containing every path (materialised "/BT/KDL/KDL-1/" paths, compared
    by segment); ``root`` when a path is unknown (a record made away from the booths) or
    there is none."""
    common: list[str] | None = None
    for path in paths:
        if path is None:
            return root
        parts = [p for p in path.split("/") if p]
        if common is None:
            common = parts
            continue
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    if not common:
        return root
    return "/" + "/".join(common) + "/"


PATTERN_ZH = {
    Pattern.POINTS_MANY_OWNERS: "一人替多名车主接受记分",
    Pattern.POINTS_DENSE_BLOCK: "替记分关系密集团伙",
    Pattern.POINTS_REPEAT_TAKER: "反复替他人车辆接受记分",
    Pattern.AGENTS_SHARED_PHONE: "多人共用同一手机号办理业务",
    Pattern.AGENTS_IDENTITY_HOPPING: "同一身份短时间内在多个岗亭核验",
    Pattern.OPERATIONS_OFF_HOURS: "非工作时间办理业务或操作",
    Pattern.OPERATIONS_OUTLIER: "岗亭或人员指标明显偏离同类",
    Pattern.MODEL_SECOND_OPINION: "无监督模型复核",
}
NOTE_MAX_LENGTH = 500


def verdict_note(note: str | None) -> str | None:
    """A verdict's note, trimmed; None when blank. A false alarm needs one (its reason is
    what makes the label reusable): ``detection.service.set_verdict`` refuses it blank."""
    text = (note or "").strip()
    return text or None
