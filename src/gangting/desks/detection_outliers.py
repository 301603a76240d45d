"""The unsupervised second opinion (issue 11 §3): per-actor features of booths, staff
accounts and citizens, an outlier model of PyOD (BSD-2-Clause) fitted per kind, and for the
top outliers a ``model.second_opinion`` case whose reasons name the features that made the
actor stand out, each with its value, its peers' median and the share of peers at that value
or higher, so a supervisor can check it by hand.

- **Model.** ECOD (Li et al., "ECOD: Unsupervised Outlier Detection Using Empirical
  Cumulative Distribution Functions", TKDE 2022) by default, right tail only: every feature
  here is one where more is suspicious, so an actor's score is the sum over features of
  -ln(share of peers with at least its value) (PyOD's ``ECOD.U_r``). No training, no
  randomness, linear in the actors after one sort per feature. ``iforest`` (PyOD's Isolation
  Forest, ``random_state`` fixed) ranks instead; the explanation is the same per-feature
  tail share.
- **Which actors are cases.** The top ``second_opinion_contamination`` of a kind (at least
  one), at most ``second_opinion_max``, and only an actor with at least one feature above
  its peers' median that at most ``second_opinion_max_share`` of them reach: an actor with
  nothing unusual is never a case, however the model ranks it.
- **Few actors.** A kind with fewer than ``second_opinion_min_actors`` actors is skipped,
  with the reason (``SecondOpinion.skipped``).

The feature rows are built from what the detectors already read (``desks.detection``), in
one pass over the rows; only the phone numbers shared by applicants need a query of their own
(``phone_sharers``). The model is numpy over an n x d matrix.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select

from gangting.applications.models import Application, ApplicationState
from gangting.citizens.models import Citizen
from gangting.desks import detection_scoring as scoring
from gangting.detection.rules import Pattern, Proposal, Reason, Thresholds, common_unit_path
from gangting.kernel.clock import CITY_ZONE
from gangting.kernel.unit_of_work import UnitOfWork

MODELS = ("ecod", "iforest")
KIND_ZH = {"booth": "岗亭", "staff": "工作人员", "citizen": "公民"}
FEATURE_ZH = {
    # booths
    "refusals_per_100": "每百件办件不予办理数",
    "identity_refusals_per_100": "每百次身份核验未通过数",
    "failed_then_passed_per_100": "每百次身份核验先失败后通过数",
    "off_hours_share": "工作时间以外办件占比",
    # staff accounts
    "off_hours_ops_share": "工作时间以外操作占比",
    "night_ops_share": "凌晨（00:00–05:00）操作占比",
    "reveals_per_100": "每百次操作查看公民完整信息数",
    "late_fee_pauses_per_100": "每百次操作登记暂停加处罚款数",
    "failed_logins_per_100": "每百次操作登录失败数",
    "refused_approvals_per_100": "每百次操作驳回双人审批数",
    # citizens
    "decisions_for_others": "替他人车辆接受记分的处罚决定数",
    "other_owners": "替其记分的其他车主数",
    "cycles_for_others": "替他人记分涉及的记分周期数",
    "applications": "近期办件数",
    "booths": "近期办件岗亭数",
    "phone_sharers": "同一手机号的其他办件公民数",
}
NIGHT_END_HOUR = 5


@dataclass
class ActorRows:
    """One kind of actor: ids, labels, unit paths, the feature matrix (rows x features) and,
    per actor and feature, the records behind the value (evidence kind, ids)."""

    kind: str
    features: tuple[str, ...]
    ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    paths: list[str | None] = field(default_factory=list)
    rows: list[list[float]] = field(default_factory=list)
    records: list[Mapping[str, Mapping[str, Sequence[str]]]] = field(default_factory=list)
    # instead of ``records`` (many actors): the records of (row, feature), asked only for
    # the actors that become cases
    records_of: Callable[[int, str], Mapping[str, Sequence[str]]] | None = None

    def add(
        self,
        actor_id: str,
        label: str,
        path: str | None,
        values: Mapping[str, float],
        records: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> None:
        self.ids.append(actor_id)
        self.labels.append(label)
        self.paths.append(path)
        self.rows.append([float(values.get(f, 0.0)) for f in self.features])
        self.records.append(records or {})

    def evidence(self, row: int, feature: str) -> Mapping[str, Sequence[str]]:
        if self.records_of is not None:
            return self.records_of(row, feature)
        return self.records[row].get(feature, {})

    def matrix(self) -> NDArray[np.float64]:
        return np.asarray(self.rows, dtype=np.float64).reshape(len(self.rows), len(self.features))


@dataclass(frozen=True)
class Contribution:
    """Why one feature makes an actor stand out: its value, its peers' median, the share of
    the kind's actors (itself included) at that value or higher, and -ln(that share)."""

    feature: str
    value: float
    peer_median: float
    share: float
    contribution: float


@dataclass
class SecondOpinion:
    proposals: list[Proposal] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # kind -> why (zh-CN)
    ranked: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # kind -> top


# --- the model (pure) -----------------------------------------------------------------------


def tail_contributions(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """-ln(share of rows with a value at least this one), per cell: ECOD's right-tail
    scores, computed by PyOD (``ECOD.U_r``)."""
    from pyod.models.ecod import ECOD  # imported here: numba and scipy load in ~1 s

    if values.shape[0] == 0:
        return np.zeros_like(values)
    model = ECOD()
    with warnings.catch_warnings():
        # ECOD also computes each feature's skewness (which side is the tail); a constant
        # feature warns there. Only the right tail is used here.
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(values)
    u_r: NDArray[np.float64] = np.asarray(model.U_r, dtype=np.float64)
    return np.maximum(u_r, 0.0)


def model_scores(
    values: NDArray[np.float64], tails: NDArray[np.float64], model: str, random_state: int
) -> NDArray[np.float64]:
    """One score per row, higher = more unusual: the sum of the right-tail contributions
    (``ecod``) or PyOD's Isolation Forest score (``iforest``, fixed ``random_state``)."""
    if model == "ecod":
        summed: NDArray[np.float64] = tails.sum(axis=1)
        return summed
    if model == "iforest":
        from pyod.models.iforest import IForest

        forest = IForest(n_estimators=100, random_state=random_state)
        forest.fit(values)
        return np.asarray(forest.decision_scores_, dtype=np.float64)
    raise ValueError(f"unknown second-opinion model {model!r} (one of: {', '.join(MODELS)})")


def explain(
    values: NDArray[np.float64],
    tails: NDArray[np.float64],
    row: int,
    features: Sequence[str],
    max_share: float,
) -> list[Contribution]:
    """The features that make row ``row`` stand out, largest contribution first: above the
    median of all rows and reached by at most ``max_share`` of them."""
    medians = np.median(values, axis=0)
    out = []
    for j, name in enumerate(features):
        value, median = float(values[row, j]), float(medians[j])
        share = float(np.mean(values[:, j] >= value))
        if value > median and share <= max_share:
            out.append(Contribution(name, value, median, share, float(tails[row, j])))
    out.sort(key=lambda c: (-c.contribution, c.feature))
    return out


def top_rows(scores: NDArray[np.float64], contamination: float, most: int) -> list[int]:
    """The rows ranked in the top ``contamination`` share (at least one, at most ``most``),
    highest score first; ties go to the earlier row."""
    n = len(scores)
    if n == 0:
        return []
    k = min(most, max(1, math.ceil(contamination * n)), n)
    order = sorted(range(n), key=lambda i: (-float(scores[i]), i))
    return order[:k]


def second_opinion(
    tables: Iterable[ActorRows], th: Thresholds, root: str, result: SecondOpinion | None = None
) -> SecondOpinion:
    """Fit the model per kind and propose a case for each top outlier with an explanation."""
    result = result or SecondOpinion()
    for table in tables:
        n = len(table.ids)
        if n < th.second_opinion_min_actors:
            result.skipped[table.kind] = (
                f"{KIND_ZH.get(table.kind, table.kind)}仅{n}个，"
                f"少于{th.second_opinion_min_actors}个，不做模型复核"
            )
            continue
        values = table.matrix()
        tails = tail_contributions(values)
        scores = model_scores(values, tails, th.second_opinion_model, th.random_state)
        picked = top_rows(scores, th.second_opinion_contamination, th.second_opinion_max)
        result.ranked[table.kind] = [(table.ids[i], round(float(scores[i]), 4)) for i in picked]
        order = sorted(range(n), key=lambda i: (-float(scores[i]), i))
        rank = {row: k + 1 for k, row in enumerate(order)}
        for row in picked:
            why = explain(values, tails, row, table.features, th.second_opinion_max_share)
            if why:
                result.proposals.append(
                    _proposal(table, row, why, float(scores[row]), rank[row], n, th, root)
                )
    return result


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def _proposal(
    table: ActorRows,
    row: int,
    why: Sequence[Contribution],
    score: float,
    rank: int,
    n: int,
    th: Thresholds,
    root: str,
) -> Proposal:
    kind_zh = KIND_ZH.get(table.kind, table.kind)
    model_zh = "ECOD（经验累积分布）" if th.second_opinion_model == "ecod" else "孤立森林"
    summary = Reason(
        "model.second_opinion",
        f"无监督模型{model_zh}在{n}个{kind_zh}中将其排在第{rank}位（得分{score:.2f}；"
        f"取前{th.second_opinion_contamination:.0%}且至多{th.second_opinion_max}个）；"
        f"以下{len(why)}项指标高于同类中位数，且同类中达到该值的不超过"
        f"{th.second_opinion_max_share:.0%}。模型意见仅供复核，请按各项数字逐一核对",
        {
            "model": th.second_opinion_model,
            "rank": rank,
            "actors": n,
            "score": round(score, 4),
            "contamination": th.second_opinion_contamination,
            "max_share": th.second_opinion_max_share,
        },
    )
    reasons = [summary]
    evidence: dict[str, list[str]] = defaultdict(list)
    for c in why:
        reasons.append(
            Reason(
                f"model.second_opinion.{c.feature}",
                f"{FEATURE_ZH.get(c.feature, c.feature)}：{_fmt(c.value)}，同类中位数"
                f"{_fmt(c.peer_median)}；{n}个{kind_zh}中达到该值或更高的占{c.share:.1%}"
                f"（贡献 −ln {c.share:.3f} = {c.contribution:.2f}）",
                {
                    "feature": c.feature,
                    "value": round(c.value, 4),
                    "peer_median": round(c.peer_median, 4),
                    "share": round(c.share, 4),
                    "contribution": round(c.contribution, 4),
                },
            )
        )
        for kind, ids in table.evidence(row, c.feature).items():
            evidence[kind].extend(ids)
    explained = sum(c.contribution for c in why)
    return Proposal(
        pattern=Pattern.MODEL_SECOND_OPINION,
        subject_kind=table.kind,
        subject_id=table.ids[row],
        subject_label=table.labels[row],
        unit_path=table.paths[row] or root,
        # one feature that only this actor reaches weighs 1
        score=round(explained / math.log(n), 4),
        reasons=reasons,
        evidence={k: sorted(set(v)) for k, v in sorted(evidence.items())},
    )


# --- the features (pure) --------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """An application in the recent window with its citizen and that citizen's phone."""

    receipt: str
    citizen_id: str
    booth: str | None  # booth code
    at: datetime
    state: str
    phone: str | None


def _per_100(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0


def booth_rows(
    booths: Mapping[str, str | None],
    applicants: Sequence[Applicant],
    identity_checks: Sequence[tuple[str, str, bool]],  # (entry id, booth code, passed)
    retries: Mapping[str, Sequence[tuple[str, str]]],
    th: Thresholds,
) -> ActorRows:
    """Per booth (code -> unit path): refusals per 100 applications, refused identity
    checks and failed-then-passed face checks per 100 checks, off-hours share."""
    table = ActorRows(
        "booth",
        (
            "refusals_per_100",
            "identity_refusals_per_100",
            "failed_then_passed_per_100",
            "off_hours_share",
        ),
    )
    apps: dict[str, list[Applicant]] = defaultdict(list)
    for a in applicants:
        if a.booth is not None:
            apps[a.booth].append(a)
    checks: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for entry_id, booth, passed in identity_checks:
        checks[booth].append((entry_id, passed))
    for code, path in sorted(booths.items()):
        mine, tried = apps.get(code, []), checks.get(code, [])
        refused = [a.receipt for a in mine if a.state == ApplicationState.REFUSED]
        late = [a.receipt for a in mine if scoring.is_off_hours(a.at, th)]
        check_refusals = [i for i, passed in tried if not passed]
        retried = [p for _, p in retries.get(code, [])]
        table.add(
            code,
            f"岗亭{code}",
            path,
            {
                "refusals_per_100": _per_100(len(refused), len(mine)),
                "identity_refusals_per_100": _per_100(len(check_refusals), len(tried)),
                "failed_then_passed_per_100": _per_100(len(retried), len(tried)),
                "off_hours_share": len(late) / len(mine) if mine else 0.0,
            },
            {
                "refusals_per_100": {"applications": refused},
                "identity_refusals_per_100": {"audit_entries": check_refusals},
                "failed_then_passed_per_100": {"audit_entries": retried},
                "off_hours_share": {"applications": late},
            },
        )
    return table


STAFF_RATES = {
    "citizen.reveal": "reveals_per_100",
    "decision.late_fee_paused": "late_fee_pauses_per_100",
    "staff.login_failed": "failed_logins_per_100",
    "approval.rejected": "refused_approvals_per_100",
}


def staff_rows(
    staff: Mapping[str, tuple[str, str]],
    operations: Sequence[tuple[str, str, str, datetime]],  # (entry id, staff id, action, at)
    th: Thresholds,
) -> ActorRows:
    """Per staff account that acted in the window: off-hours and night shares of its
    operations, reveals, late-fee pauses, failed log-ins and rejected approvals per 100."""
    table = ActorRows(
        "staff", ("off_hours_ops_share", "night_ops_share", *sorted(set(STAFF_RATES.values())))
    )
    ops: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for entry_id, sid, action, at in operations:
        if sid in staff:
            ops[sid].append((entry_id, action, at))
    for sid in sorted(ops):
        mine = ops[sid]
        records: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"audit_entries": []})
        late = [i for i, _, at in mine if scoring.is_off_hours(at, th)]
        night = [i for i, _, at in mine if at.astimezone(CITY_ZONE).hour < NIGHT_END_HOUR]
        records["off_hours_ops_share"]["audit_entries"] = late
        records["night_ops_share"]["audit_entries"] = night
        values = {
            "off_hours_ops_share": len(late) / len(mine),
            "night_ops_share": len(night) / len(mine),
        }
        for action, feature in STAFF_RATES.items():
            hits = [i for i, a, _ in mine if a == action]
            records[feature]["audit_entries"] = hits
            values[feature] = _per_100(len(hits), len(mine))
        label, path = staff[sid]
        table.add(sid, label, path, values, records)
    return table


def citizen_rows(
    edges: Sequence[scoring.PointEdge],
    applicants: Sequence[Applicant],
    now: datetime,
    th: Thresholds,
) -> ActorRows:
    """Per citizen who took points for another owner's vehicle (within ``window_days``;
    scoring cycles within ``history_days``) or filed an application (within
    ``recent_days``): decisions for others, other owners, cycles, applications, booths,
    and how many other applicants share the citizen's phone number."""
    table = ActorRows(
        "citizen",
        (
            "decisions_for_others",
            "other_owners",
            "cycles_for_others",
            "applications",
            "booths",
            "phone_sharers",
        ),
    )
    window = now - timedelta(days=th.window_days)
    history = now - timedelta(days=th.history_days)
    taken: dict[str, list[scoring.PointEdge]] = defaultdict(list)
    cycles: dict[str, set[Any]] = defaultdict(set)
    for e in edges:
        if e.driver_id == e.owner_id:
            continue
        if e.decided_at >= window:
            taken[e.driver_id].append(e)
        if e.decided_at >= history and e.cycle_start is not None:
            cycles[e.driver_id].add(e.cycle_start)
    apps: dict[str, list[Applicant]] = defaultdict(list)
    holders: dict[str, set[str]] = defaultdict(set)
    for a in applicants:
        apps[a.citizen_id].append(a)
        if a.phone:
            holders[a.phone].add(a.citizen_id)
    phone_of = {a.citizen_id: a.phone for a in applicants if a.phone}
    no_edges: list[scoring.PointEdge] = []
    no_apps: list[Applicant] = []
    for cid in sorted(set(taken) | set(apps)):
        mine, filed = taken.get(cid, no_edges), apps.get(cid, no_apps)
        phone = phone_of.get(cid)
        table.ids.append(cid)
        table.labels.append(cid)
        table.paths.append(common_unit_path([e.unit_path for e in mine], "") or None)
        table.rows.append(
            [
                float(len(mine)),
                float(len({e.owner_id for e in mine})),
                float(len(cycles.get(cid, ()))),
                float(len(filed)),
                float(len({a.booth for a in filed if a.booth})),
                float(len(holders[phone]) - 1 if phone else 0),
            ]
        )

    def records_of(row: int, feature: str) -> Mapping[str, Sequence[str]]:
        cid = table.ids[row]
        if feature in ("decisions_for_others", "other_owners", "cycles_for_others"):
            return {"decisions": [e.decision_no for e in taken.get(cid, ())]}
        if feature in ("applications", "booths"):
            return {"applications": [a.receipt for a in apps.get(cid, ())]}
        phone = phone_of.get(cid)
        sharers = sorted(holders[phone] - {cid}) if phone else []
        # the first 50 sharers' applications (a phone on thousands stays cheap to list)
        return {"applications": [a.receipt for s in sharers[:50] for a in apps.get(s, ())]}

    table.records_of = records_of
    return table


# --- the one read of its own ----------------------------------------------------------------


def read_shared_phones(uow: UnitOfWork, since: datetime) -> dict[str, str]:
    """The phone number of each citizen who filed an application since ``since`` and shares
    that number with another such citizen (one query; a number on one citizen says
    nothing here)."""
    in_window = (Application.created_at >= since) & Citizen.phone.is_not(None)
    shared = (
        select(Citizen.phone)
        .join(Application, Application.citizen_id == Citizen.id)
        .where(in_window)
        .group_by(Citizen.phone)
        .having(func.count(func.distinct(Citizen.id)) >= 2)
    )
    rows = uow.session.execute(
        select(Citizen.id, Citizen.phone)
        .join(Application, Application.citizen_id == Citizen.id)
        .where(in_window, Citizen.phone.in_(shared))
        .distinct()
    )
    return {str(cid): phone.strip() for cid, phone in rows if phone}


__all__ = [
    "ActorRows",
    "Applicant",
    "Contribution",
    "SecondOpinion",
    "booth_rows",
    "citizen_rows",
    "explain",
    "read_shared_phones",
    "second_opinion",
    "staff_rows",
    "tail_contributions",
    "top_rows",
]
