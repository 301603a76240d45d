"""The detectors' scoring on plain data (no SQL): from rows the desk read
(``desks.detection``) to case proposals (``detection.rules.Proposal``), each with the
numbers and thresholds written out in zh-CN so that a supervisor can check them by hand.

- ``many_owners``, ``repeat_takers``, ``dense_blocks``: point taking (记分办法 第30条). An
  edge is a penalty decision whose points a licence holder took for a vehicle of another
  owner.
- ``densest_block``: greedy densest-subgraph peeling in the style of FRAUDAR (Hooi et al.,
  "FRAUDAR: Bounding Graph Fraud in the Face of Camouflage", KDD 2016), written here:
  bipartite driver x owner graph, each edge weighted 1/log(owner degree + 5) (the paper's
  column weighting: a popular owner's edges count less), nodes peeled lowest weighted degree
  first, the densest prefix (weighted edges per node) kept.
- ``shared_phones``, ``identity_hops``: agents doing business for many people.
- ``off_hours``, ``outliers``: booth and staff operations.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from gangting.citizens.rules import mask_phone
from gangting.detection.rules import (
    POINT_TRADING_BASIS,
    Pattern,
    Proposal,
    Reason,
    Thresholds,
    common_unit_path,
)
from gangting.kernel.clock import CITY_ZONE

# --- point taking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PointEdge:
    """One penalty decision: ``driver_id`` took its points for a vehicle of ``owner_id``."""

    decision_no: str
    points: int
    violation_ref: str
    plate_no: str
    driver_id: str
    owner_id: str
    decided_at: datetime
    cycle_start: date | None
    booth_code: str | None
    unit_path: str | None


def _taken_for_others(edges: Iterable[PointEdge], since: datetime) -> list[PointEdge]:
    return [e for e in edges if e.driver_id != e.owner_id and e.decided_at >= since]


def _point_evidence(edges: Sequence[PointEdge], labels: Mapping[str, str]) -> dict[str, list[str]]:
    ordered = sorted(edges, key=lambda e: (e.decided_at, e.decision_no))
    people = sorted({e.driver_id for e in edges} | {e.owner_id for e in edges})
    return {
        "decisions": [e.decision_no for e in ordered],
        "violations": [e.violation_ref for e in ordered],
        "plates": sorted({e.plate_no for e in edges}),
        "citizens": [labels.get(p, p) for p in people],
        "booths": sorted({e.booth_code for e in edges if e.booth_code}),
    }


def many_owners(
    edges: Iterable[PointEdge],
    now: datetime,
    th: Thresholds,
    labels: Mapping[str, str],
    root: str,
) -> list[Proposal]:
    """A licence holder who took points for vehicles of at least ``th.many_owners`` distinct
    other owners within ``th.window_days``."""
    by_driver: dict[str, list[PointEdge]] = defaultdict(list)
    for e in _taken_for_others(edges, now - timedelta(days=th.window_days)):
        by_driver[e.driver_id].append(e)
    out = []
    for driver, taken in sorted(by_driver.items()):
        owners = {e.owner_id for e in taken}
        if len(owners) < th.many_owners:
            continue
        message = (
            f"{th.window_days}天内替{len(owners)}名其他车主的{len({e.plate_no for e in taken})}"
            f"辆车接受记分，共{len(taken)}份处罚决定（阈值：{th.many_owners}名车主）；"
            "可能存在买分卖分，请核对各决定书的实际驾驶人"
        )
        out.append(
            Proposal(
                pattern=Pattern.POINTS_MANY_OWNERS,
                subject_kind="citizen",
                subject_id=driver,
                subject_label=labels.get(driver, driver),
                unit_path=common_unit_path((e.unit_path for e in taken), root),
                score=len(owners) / th.many_owners,
                reasons=[
                    Reason(
                        "points.many_owners",
                        message,
                        {
                            "owners": len(owners),
                            "decisions": len(taken),
                            "points": sum(e.points for e in taken),
                            "window_days": th.window_days,
                            "threshold_owners": th.many_owners,
                        },
                        (POINT_TRADING_BASIS,),
                    )
                ],
                evidence=_point_evidence(taken, labels),
            )
        )
    return out


def repeat_takers(
    edges: Iterable[PointEdge],
    now: datetime,
    th: Thresholds,
    labels: Mapping[str, str],
    root: str,
) -> list[Proposal]:
    """A driver who took points for other owners' vehicles in at least ``th.repeat_cycles``
    scoring cycles or in at least ``th.repeat_decisions`` decisions, within
    ``th.history_days``."""
    by_driver: dict[str, list[PointEdge]] = defaultdict(list)
    for e in _taken_for_others(edges, now - timedelta(days=th.history_days)):
        by_driver[e.driver_id].append(e)
    out = []
    for driver, taken in sorted(by_driver.items()):
        cycles = sorted({e.cycle_start for e in taken if e.cycle_start is not None})
        if len(cycles) < th.repeat_cycles and len(taken) < th.repeat_decisions:
            continue
        message = (
            f"{th.history_days}天内替他人车辆接受记分{len(taken)}次，涉及{len(cycles)}个记分周期"
            f"（阈值：{th.repeat_cycles}个周期或{th.repeat_decisions}次）"
        )
        out.append(
            Proposal(
                pattern=Pattern.POINTS_REPEAT_TAKER,
                subject_kind="citizen",
                subject_id=driver,
                subject_label=labels.get(driver, driver),
                unit_path=common_unit_path((e.unit_path for e in taken), root),
                score=max(len(cycles) / th.repeat_cycles, len(taken) / th.repeat_decisions),
                reasons=[
                    Reason(
                        "points.repeat_taker",
                        message,
                        {
                            "decisions": len(taken),
                            "cycles": len(cycles),
                            "cycle_starts": [c.isoformat() for c in cycles],
                            "owners": len({e.owner_id for e in taken}),
                            "history_days": th.history_days,
                            "threshold_cycles": th.repeat_cycles,
                            "threshold_decisions": th.repeat_decisions,
                        },
                        (POINT_TRADING_BASIS,),
                    )
                ],
                evidence=_point_evidence(taken, labels),
            )
        )
    return out


@dataclass(frozen=True)
class Block:
    """The densest block the peeling kept: its rows (drivers), columns (owners), the edges
    between them and its density (sum of edge weights / number of nodes)."""

    rows: frozenset[str]
    cols: frozenset[str]
    edges: frozenset[tuple[str, str]]
    density: float
    weight: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)


def column_weight(degree: int) -> float:
    """FRAUDAR's column weight: 1 / log(degree + 5)."""
    return 1.0 / math.log(degree + 5)


def densest_block(edges: Iterable[tuple[str, str]]) -> Block | None:
    """Greedy peeling (FRAUDAR, Hooi et al. KDD 2016, Algorithm 1 without node priors):
    start from the whole bipartite graph of (row, column) edges, weight each edge by its
    column's ``column_weight``, repeatedly remove the node whose remaining edges weigh least,
    and keep the node set with the highest density f(S)/|S| met on the way. The greedy
    answer is within a factor 2 of the densest subgraph (the paper's Theorem 2). O(E log V)
    with a heap; ties go to the node with the smaller name. None for no edges."""
    unique = set(edges)
    if not unique:
        return None
    col_degree = Counter(c for _, c in unique)
    weight = {c: column_weight(d) for c, d in col_degree.items()}
    adjacent: dict[tuple[str, str], list[tuple[tuple[str, str], float]]] = defaultdict(list)
    for r, c in unique:
        w = weight[c]
        adjacent[("r", r)].append((("c", c), w))
        adjacent[("c", c)].append((("r", r), w))
    score = {node: sum(w for _, w in nbrs) for node, nbrs in adjacent.items()}
    total = sum(weight[c] for _, c in unique)
    alive = len(adjacent)
    heap = [(s, node) for node, s in score.items()]
    heapq.heapify(heap)
    removed: set[tuple[str, str]] = set()
    order: list[tuple[str, str]] = []
    best, best_step, best_total = total / alive, 0, total
    while heap:
        s, node = heapq.heappop(heap)
        if node in removed or s != score[node]:
            continue
        removed.add(node)
        order.append(node)
        total -= score[node]
        alive -= 1
        for other, w in adjacent[node]:
            if other not in removed:
                score[other] -= w
                heapq.heappush(heap, (score[other], other))
        if alive and total / alive > best + 1e-12:
            best, best_step, best_total = total / alive, len(order), total
    kept = set(adjacent) - set(order[:best_step])
    rows = frozenset(n for k, n in kept if k == "r")
    cols = frozenset(n for k, n in kept if k == "c")
    inside = frozenset((r, c) for r, c in unique if r in rows and c in cols)
    return Block(rows, cols, inside, best, best_total, weight)


def dense_blocks(
    edges: Iterable[PointEdge],
    now: datetime,
    th: Thresholds,
    labels: Mapping[str, str],
    root: str,
) -> list[Proposal]:
    """Up to ``th.block_max`` FRAUDAR blocks of the driver x owner graph of the window, each
    a case when it has at least ``th.block_min_drivers`` drivers and ``th.block_min_owners``
    owners and its density reaches ``th.block_min_density``; a found block's edges are taken
    out before the next peeling."""
    taken = _taken_for_others(edges, now - timedelta(days=th.window_days))
    remaining = {(e.driver_id, e.owner_id) for e in taken}
    out = []
    for _ in range(th.block_max):
        block = densest_block(remaining)
        if block is None or block.density < th.block_min_density:
            break
        remaining -= block.edges
        if len(block.rows) < th.block_min_drivers or len(block.cols) < th.block_min_owners:
            continue
        inside = [e for e in taken if (e.driver_id, e.owner_id) in block.edges]
        degree = Counter(r for r, _ in block.edges)
        centre = min(block.rows, key=lambda r: (-degree[r], r))
        message = (
            f"{len(block.rows)}名驾驶人与{len(block.cols)}名车主之间有{len(block.edges)}组"
            f"替记分关系（{len(inside)}份处罚决定），加权密度{block.density:.3f}"
            "（每条关系权重 1/ln(车主被替记分人数+5)，密度=权重和/人数；"
            f"阈值{th.block_min_density}）；"
            "疑似有组织买分卖分"
        )
        out.append(
            Proposal(
                pattern=Pattern.POINTS_DENSE_BLOCK,
                subject_kind="block",
                subject_id=centre,
                subject_label=(
                    f"以{labels.get(centre, centre)}为中心的{len(block.rows)}名驾驶人×"
                    f"{len(block.cols)}名车主"
                ),
                unit_path=common_unit_path((e.unit_path for e in inside), root),
                score=block.density,
                reasons=[
                    Reason(
                        "points.dense_block",
                        message,
                        {
                            "drivers": len(block.rows),
                            "owners": len(block.cols),
                            "pairs": len(block.edges),
                            "decisions": len(inside),
                            "density": round(block.density, 4),
                            "weight_sum": round(block.weight, 4),
                            "threshold_density": th.block_min_density,
                        },
                        (POINT_TRADING_BASIS,),
                    )
                ],
                evidence=_point_evidence(inside, labels),
            )
        )
    return out


# --- agents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneHolder:
    """A citizen with a phone number and the applications they filed at booths."""

    phone: str
    phone_key: str  # the number's digest: the case's subject, never the number itself
    citizen_label: str
    receipts: Sequence[tuple[str, str, str | None, datetime]]  # (receipt, booth, path, at)


def shared_phones(holders: Iterable[PhoneHolder], th: Thresholds, root: str) -> list[Proposal]:
    """One phone number on at least ``th.shared_phone`` citizens who did business at booths
    (the number masked: first 3, last 4)."""
    by_phone: dict[str, list[PhoneHolder]] = defaultdict(list)
    for h in holders:
        if h.receipts:
            by_phone[h.phone_key].append(h)
    out = []
    for key, group in sorted(by_phone.items()):
        if len(group) < th.shared_phone:
            continue
        masked = mask_phone(group[0].phone)
        receipts = sorted((r for h in group for r in h.receipts), key=lambda r: (r[3], r[0]))
        booths = sorted({r[1] for r in receipts})
        message = (
            f"手机号{masked}登记在{len(group)}名在岗亭办理过业务的公民名下"
            f"（{len(receipts)}件办件，{len(booths)}个岗亭；阈值{th.shared_phone}人）；"
            "疑似代办人或中介以他人身份办理"
        )
        out.append(
            Proposal(
                pattern=Pattern.AGENTS_SHARED_PHONE,
                subject_kind="phone",
                subject_id=key,
                subject_label=f"手机号{masked}",
                unit_path=common_unit_path((r[2] for r in receipts), root),
                score=len(group) / th.shared_phone,
                reasons=[
                    Reason(
                        "agents.shared_phone",
                        message,
                        {
                            "citizens": len(group),
                            "applications": len(receipts),
                            "booths": len(booths),
                            "threshold_citizens": th.shared_phone,
                        },
                    )
                ],
                evidence={
                    "citizens": sorted(h.citizen_label for h in group),
                    "applications": [r[0] for r in receipts],
                    "booths": booths,
                },
            )
        )
    return out


@dataclass(frozen=True)
class IdentityCheck:
    """One ``identity.verified`` audit entry: whose identity, at which booth, when."""

    entry_id: str
    citizen_id: str
    booth_code: str
    unit_path: str | None
    at: datetime


def identity_hops(
    checks: Iterable[IdentityCheck], th: Thresholds, labels: Mapping[str, str], root: str
) -> list[Proposal]:
    """One citizen's identity verified at ``th.hopping_booths`` or more different booths
    within ``th.hopping_window_s`` (a sliding window over the checks in time order); the
    case names the window with the most booths."""
    by_citizen: dict[str, list[IdentityCheck]] = defaultdict(list)
    for c in checks:
        by_citizen[c.citizen_id].append(c)
    span = timedelta(seconds=th.hopping_window_s)
    out = []
    for citizen, seen in sorted(by_citizen.items()):
        seen.sort(key=lambda c: (c.at, c.entry_id))
        best: list[IdentityCheck] = []
        start = 0
        for end in range(len(seen)):
            while seen[end].at - seen[start].at > span:
                start += 1
            window = seen[start : end + 1]
            if len({c.booth_code for c in window}) > len({c.booth_code for c in best}):
                best = window
        booths = sorted({c.booth_code for c in best})
        if len(booths) < th.hopping_booths:
            continue
        minutes = (best[-1].at - best[0].at).total_seconds() / 60
        first = best[0].at.astimezone(CITY_ZONE)
        message = (
            f"{first:%Y-%m-%d %H:%M}起{minutes:.0f}分钟内，该身份在{len(booths)}个不同岗亭"
            f"通过核验（{', '.join(booths)}；阈值：{th.hopping_window_s // 60}分钟内"
            f"{th.hopping_booths}个岗亭）；一人不可能同时在多处，疑似证件被他人冒用或代办"
        )
        out.append(
            Proposal(
                pattern=Pattern.AGENTS_IDENTITY_HOPPING,
                subject_kind="citizen",
                subject_id=citizen,
                subject_label=labels.get(citizen, citizen),
                unit_path=common_unit_path((c.unit_path for c in best), root),
                score=len(booths) / th.hopping_booths,
                reasons=[
                    Reason(
                        "agents.identity_hopping",
                        message,
                        {
                            "booths": len(booths),
                            "checks": len(best),
                            "minutes": round(minutes, 1),
                            "threshold_booths": th.hopping_booths,
                            "threshold_window_s": th.hopping_window_s,
                        },
                    )
                ],
                evidence={
                    "audit_entries": [c.entry_id for c in best],
                    "booths": booths,
                    "citizens": [labels.get(citizen, citizen)],
                },
            )
        )
    return out


# --- operations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FaceCheck:
    """An ``identity.verified`` (passed) or ``identity.check_refused`` (not) audit entry of a
    citizen at a booth."""

    entry_id: str
    booth: str
    citizen_id: str
    at: datetime
    passed: bool


def failed_then_passed(
    checks: Iterable[FaceCheck], window_s: int
) -> dict[str, list[tuple[str, str]]]:
    """Per booth: each passed check that follows a refused check of the same citizen at the
    same booth within ``window_s`` (a face that failed, then passed: a second try, or someone
    else's face), as (refused entry id, passed entry id); a refused check is paired once."""
    by_key: dict[tuple[str, str], list[FaceCheck]] = defaultdict(list)
    for c in checks:
        by_key[(c.booth, c.citizen_id)].append(c)
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    span = timedelta(seconds=window_s)
    for (booth, _), seen in sorted(by_key.items()):
        seen.sort(key=lambda c: (c.at, c.passed, c.entry_id))  # a refusal first on a tie
        refused: FaceCheck | None = None
        for c in seen:
            if not c.passed:
                refused = c
            elif refused is not None and c.at - refused.at <= span:
                out[booth].append((refused.entry_id, c.entry_id))
                refused = None
    return dict(out)


@dataclass(frozen=True)
class Operation:
    """One operation of a booth (an application) or a staff account (an audit entry)."""

    subject_kind: str  # booth | staff
    subject_id: str
    subject_label: str
    unit_path: str | None
    at: datetime
    ref: str  # the receipt number or the audit entry's id
    ref_kind: str  # applications | audit_entries


def is_off_hours(at: datetime, th: Thresholds) -> bool:
    """Outside [open_hour, close_hour) in the city's time (Asia/Shanghai)."""
    hour = at.astimezone(CITY_ZONE).hour
    return not th.open_hour <= hour < th.close_hour


def off_hours(operations: Iterable[Operation], th: Thresholds, root: str) -> list[Proposal]:
    """A booth or staff account with at least ``th.off_hours_min`` operations outside the
    opening hours within ``th.recent_days``."""
    total: Counter[tuple[str, str]] = Counter()
    outside: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in operations:
        key = (op.subject_kind, op.subject_id)
        total[key] += 1
        if is_off_hours(op.at, th):
            outside[key].append(op)
    out = []
    hours = f"{th.open_hour:02d}:00–{th.close_hour:02d}:00"
    for (kind, subject), ops in sorted(outside.items()):
        if len(ops) < th.off_hours_min:
            continue
        ops.sort(key=lambda o: (o.at, o.ref))
        what = "办件" if kind == "booth" else "操作"
        local = [o.at.astimezone(CITY_ZONE) for o in ops]
        message = (
            f"{th.recent_days}天内工作时间（{hours}，北京时间）以外{what}{len(ops)}次"
            f"（共{total[(kind, subject)]}次；最早{min(local):%m-%d %H:%M}，"
            f"最晚{max(local):%m-%d %H:%M}；阈值{th.off_hours_min}次）"
        )
        by_kind: dict[str, list[str]] = defaultdict(list)
        for o in ops:
            by_kind[o.ref_kind].append(o.ref)
        out.append(
            Proposal(
                pattern=Pattern.OPERATIONS_OFF_HOURS,
                subject_kind=kind,
                subject_id=subject,
                subject_label=ops[0].subject_label,
                unit_path=ops[0].unit_path or root,
                score=len(ops) / th.off_hours_min,
                reasons=[
                    Reason(
                        "operations.off_hours",
                        message,
                        {
                            "off_hours": len(ops),
                            "total": total[(kind, subject)],
                            "open_hour": th.open_hour,
                            "close_hour": th.close_hour,
                            "recent_days": th.recent_days,
                            "threshold": th.off_hours_min,
                        },
                    )
                ],
                evidence=dict(by_kind),
            )
        )
    return out


MAD_SCALE = 0.6745  # Iglewicz & Hoaglin (1993): 0.6745 (x - median) / MAD
MEAN_AD_SCALE = 1.253314  # when MAD is 0: (x - median) / (1.253314 x mean absolute deviation)


def robust_z(values: Sequence[float]) -> tuple[float, float, list[float]]:
    """The modified z-score of each value against all of them: (median, scale, z-scores).
    ``scale`` is MAD / 0.6745, or 1.253314 x the mean absolute deviation from the median when
    more than half the values are equal (MAD 0); all z are 0 when every value is equal."""
    med = statistics.median(values)
    deviations = [abs(v - med) for v in values]
    mad = statistics.median(deviations)
    if mad > 0:
        scale = mad / MAD_SCALE
    else:
        scale = MEAN_AD_SCALE * statistics.fmean(deviations)
    if scale == 0:
        return med, 0.0, [0.0 for _ in values]
    return med, scale, [(v - med) / scale for v in values]


@dataclass(frozen=True)
class RateSubject:
    """A booth or staff account: its operations and, per metric, its events with their
    record ids."""

    kind: str
    subject_id: str
    label: str
    unit_path: str | None
    operations: int
    events: Mapping[str, Sequence[str]]


# Where each metric's records are named in a case's evidence.
METRIC_EVIDENCE = {"refusals": "applications"}
METRIC_ZH = {
    "refusals": "办件不予办理",
    "identity_refusals": "身份核验未通过",
    "late_fee_pauses": "登记暂停加处罚款",
    "reveals": "查看公民完整信息",
    "failed_logins": "登录失败",
    "failed_then_passed": "人脸核验先失败后通过",
    "refused_approvals": "驳回双人审批",
}


def outliers(subjects: Sequence[RateSubject], th: Thresholds, root: str) -> list[Proposal]:
    """Per kind (booths with booths, staff with staff) and metric: the rate per 100
    operations of each subject with at least ``th.outlier_min_ops`` operations; a subject
    whose robust z-score against its peers is at least ``th.outlier_z`` (above them), with at
    least ``th.outlier_min_events`` events, gets one case with a reason per such metric."""
    found: dict[tuple[str, str], list[tuple[Reason, float, list[str], str]]] = defaultdict(list)
    by_id = {(s.kind, s.subject_id): s for s in subjects}
    for kind in sorted({s.kind for s in subjects}):
        peers = [s for s in subjects if s.kind == kind and s.operations >= th.outlier_min_ops]
        if len(peers) < th.outlier_min_peers:
            continue
        metrics = sorted({m for s in peers for m in s.events})
        for metric in metrics:
            rates = [100.0 * len(s.events.get(metric, ())) / s.operations for s in peers]
            med, scale, zs = robust_z(rates)
            for s, rate, z in zip(peers, rates, zs, strict=True):
                count = len(s.events.get(metric, ()))
                if z < th.outlier_z or count < th.outlier_min_events:
                    continue
                message = (
                    f"{th.recent_days}天内{METRIC_ZH.get(metric, metric)}{count}次/"
                    f"{s.operations}次操作＝每百次{rate:.1f}次；同类{len(peers)}个的中位数"
                    f"每百次{med:.1f}次，稳健z值{z:.1f}（阈值{th.outlier_z}；"
                    f"z＝(比率－中位数)/(MAD/0.6745)，MAD为0时用1.2533×平均绝对偏差）"
                )
                reason = Reason(
                    f"operations.outlier.{metric}",
                    message,
                    {
                        "metric": metric,
                        "events": count,
                        "operations": s.operations,
                        "rate_per_100": round(rate, 2),
                        "peer_median_per_100": round(med, 2),
                        "peer_scale": round(scale, 4),
                        "peers": len(peers),
                        "z": round(z, 2),
                        "threshold_z": th.outlier_z,
                    },
                )
                found[(kind, s.subject_id)].append((reason, z, list(s.events[metric]), metric))
    out = []
    for key, hits in sorted(found.items()):
        s = by_id[key]
        evidence: dict[str, list[str]] = defaultdict(list)
        for _, _, refs, metric in hits:
            evidence[METRIC_EVIDENCE.get(metric, "audit_entries")].extend(refs)
        out.append(
            Proposal(
                pattern=Pattern.OPERATIONS_OUTLIER,
                subject_kind=s.kind,
                subject_id=s.subject_id,
                subject_label=s.label,
                unit_path=s.unit_path or root,
                score=max(z for _, z, _, _ in hits),
                reasons=[r for r, _, _, _ in hits],
                evidence={k: sorted(set(v)) for k, v in evidence.items()},
            )
        )
    return out
