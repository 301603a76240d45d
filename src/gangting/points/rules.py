"""Demerit-point rules of 《道路交通安全违法行为记分管理办法》(公安部令第163号)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from gangting.kernel import law
from gangting.kernel.decision import Decision, Reason
from gangting.kernel.errors import Invalid
from gangting.licences.rules import LARGE_CLASSES, LicenceStatus

FULL_SCORE = 12
POINT_VALUES: frozenset[int] = frozenset({12, 9, 6, 3, 1, 0})
MAX_DEDUCTION_PER_CYCLE = 6
_A = law.SCORING


class InvalidPoints(Invalid):
    code = "points.invalid_value"


def validate_points(points: int) -> int:
    """Return ``points`` if it is a legal single-act value, else raise ``InvalidPoints``.

    Source: 记分办法 第7条 (12, 9, 6, 3, 1); 0 for acts that carry no points (not listed in
    第8–12条, or punished only by a warning, 第28条).
    """
    if points not in POINT_VALUES:
        raise InvalidPoints(
            f"记分分值{points}不合法，一次记分只能是12、9、6、3、1分或不记分",
            data={"points": points},
            legal_basis=[f"{_A} 第7条"],
        )
    return points


@dataclass(frozen=True)
class PointEntry:
    """Points of one decided violation in a cycle."""

    violation_id: str
    points: int
    decided_on: date
    fine_overdue_unpaid: bool


@dataclass(frozen=True)
class CycleClose:
    """What happens to a cycle's points when it ends."""

    total: int
    cleared: bool
    carried_over_points: int
    carried_entries: tuple[PointEntry, ...]
    full_score: bool


def cycle_close(entries_in_cycle: Iterable[PointEntry], *, deducted_points: int = 0) -> CycleClose:
    """Close a cycle (记分办法 第15条).

    ``total`` = sum of the entries' points minus points deducted by 学法减分 (第25条).
    total < 12: the cycle's points are cleared, except the points of violations whose
    fine is overdue and unpaid: those entries carry over into the next cycle (never more
    than ``total``). Worked example: 4 points paid + 3 points overdue → next cycle starts
    at 3. total >= 12: 第15条 does not apply; the points stay on the full-score record
    and are cleared only after study, exams and payment (第23条): ``cleared`` False,
    nothing is carried by this rule.
    """
    entries = tuple(entries_in_cycle)
    total = sum(e.points for e in entries) - deducted_points
    if total >= FULL_SCORE:
        return CycleClose(total, False, 0, (), True)
    carried = tuple(e for e in entries if e.fine_overdue_unpaid and e.points > 0)
    carried_points = min(sum(e.points for e in carried), max(total, 0))
    return CycleClose(total, True, carried_points, carried, False)


def may_process_other_vehicle(current_total: int) -> Decision:
    """May the driver process violation records of other vehicles he drove?

    Source: 记分办法 第14条第2款 — all records of the same vehicle may be processed at once;
    records of other vehicles only while the accumulated points are < 12.
    """
    if current_total >= FULL_SCORE:
        return Decision.refuse(
            Reason(
                "points.other_vehicle_refused",
                "本记分周期累积记分已达12分，不能处理其他机动车的违法记录",
                (f"{_A} 第14条",),
                {"current_total": current_total},
            )
        )
    return Decision.allow(
        Reason(
            "points.other_vehicle_allowed",
            "累积记分未满12分，可以处理其他机动车的违法记录",
            (f"{_A} 第14条",),
        )
    )


class Exam(StrEnum):
    THEORY = "theory"  # 道路交通安全法律、法规和相关知识考试（科目一）
    FIELD_SKILL = "field_skill"  # 场地驾驶技能考试（科目二）
    ROAD_SKILL = "road_skill"  # 道路驾驶技能考试（科目三）


@dataclass(frozen=True)
class FullScore:
    """Consequences of reaching 12 points (满分处理)."""

    licence_detained: bool
    study_days: int
    min_onsite_online_days: int
    min_onsite_days: int
    exams: tuple[Exam, ...]
    reasons: tuple[Reason, ...]


def full_score_consequences(
    total_points_this_cycle: int,
    full_score_count_this_cycle: int,
    licence_classes: Iterable[str],
) -> FullScore:
    """Study and exams due on reaching 12 points (记分办法 第17–22条).

    ``full_score_count_this_cycle`` counts this 满分 (1 = first). Large classes are
    A1/A2/A3/B1/B2 (第18条).
    Study days (第18条): 7, +7 for each extra 满分 education or each extra 12 points in the
    cycle, at most 60; large classes 30, +30, at most 120. "Extra" is the larger of
    (count − 1) and (total // 12 − 1) — both measure the same repetition, they do not add.
    On-site + online (第19条): ≥ 5 days of which ≥ 2 on-site; large: ≥ 10 and ≥ 5.
    Exams (第21–22条): theory always; 2nd 满分 or 24–35 points adds road skill (科目三);
    3rd+ 满分 or ≥ 36 points adds field skill + road skill (科目二 + 科目三).
    Raises ValueError below 12 points or for a count below 1.
    """
    if total_points_this_cycle < FULL_SCORE or full_score_count_this_cycle < 1:
        raise ValueError("full-score consequences need >= 12 points and a count >= 1")
    large = any(c in LARGE_CLASSES for c in licence_classes)
    base, cap, min_days, min_onsite = (30, 120, 10, 5) if large else (7, 60, 5, 2)
    extra = max(full_score_count_this_cycle - 1, total_points_this_cycle // FULL_SCORE - 1)
    study_days = min(base * (1 + extra), cap)
    exams: tuple[Exam, ...] = (Exam.THEORY,)
    if full_score_count_this_cycle >= 3 or total_points_this_cycle >= 36:
        exams = (Exam.THEORY, Exam.FIELD_SKILL, Exam.ROAD_SKILL)
    elif full_score_count_this_cycle == 2 or total_points_this_cycle >= 24:
        exams = (Exam.THEORY, Exam.ROAD_SKILL)
    reasons = (
        Reason(
            "points.full_score_detained",
            "本记分周期累积记分已满12分，依法扣留机动车驾驶证，请参加满分学习、考试",
            (f"{_A} 第17条",),
        ),
        Reason(
            "points.full_score_study",
            f"应当参加{study_days}天的道路交通安全法律、法规和相关知识学习，其中现场学习和"
            f"网络学习合计不少于{min_days}天，现场学习不少于{min_onsite}天",
            (f"{_A} 第18条", f"{_A} 第19条"),
            {"study_days": study_days},
        ),
        Reason(
            "points.full_score_exams",
            "学习期满后参加考试：" + "、".join(_EXAM_ZH[e] for e in exams),
            (f"{_A} 第21条", f"{_A} 第22条"),
            {"exams": [e.value for e in exams]},
        ),
    )
    return FullScore(True, study_days, min_days, min_onsite, exams, reasons)


_EXAM_ZH = {
    Exam.THEORY: "道路交通安全法律、法规和相关知识考试",
    Exam.FIELD_SKILL: "场地驾驶技能考试",
    Exam.ROAD_SKILL: "道路驾驶技能考试",
}


def study_deduction_eligibility(
    *,
    total_after_processing: int,
    deducted_this_cycle: int,
    full_score_records_current_or_previous_cycle: int,
    serious_offences_last_3_cycles: int,
    in_learner_period: bool,
    review_overdue: bool,
    licence_status: LicenceStatus,
    owns_overdue_inspection_vehicle: bool,
    owns_underegistered_vehicle: bool,
    fraud_last_3_cycles: bool,
) -> Decision:
    """May the driver apply for 学法减分? Every failing condition is returned.

    Sources: 记分办法 第25条 — after processing all records the total is < 12, at most 6
    points a cycle (and there must be points to deduct); 第26条 — not accepted when:
    (一) ≥ 2 满分教育 records in this or the previous cycle; (二) hit-and-run,
    drink-driving, forged/other vehicle's plates or documents, or point trading punished
    in the last 3 cycles (``serious_offences_last_3_cycles`` counts them); (三) learner
    period, review (审验) overdue, licence detained or suspended; (四) a vehicle in the
    driver's name is overdue for inspection or should have been deregistered
    (``owns_underegistered_vehicle``); (五) fraud in 学法减分/满分教育/审验教育 in the last
    3 cycles.
    """
    r: list[Reason] = []
    a25, a26 = f"{_A} 第25条", f"{_A} 第26条"
    if total_after_processing >= FULL_SCORE:
        r.append(
            Reason("points.deduction_full_score", "累积记分已满12分，不能申请学法减分", (a25,))
        )
    elif total_after_processing <= 0:
        r.append(Reason("points.deduction_no_points", "当前没有可以扣减的记分", (a25,)))
    if deducted_this_cycle >= MAX_DEDUCTION_PER_CYCLE:
        r.append(
            Reason("points.deduction_cap_reached", "本记分周期已累计扣减6分，已达上限", (a25,))
        )
    if full_score_records_current_or_previous_cycle >= 2:
        r.append(
            Reason(
                "points.deduction_full_score_records",
                "本记分周期或上一个记分周期内有二次以上参加满分教育记录",
                (f"{a26}(一)",),
            )
        )
    if serious_offences_last_3_cycles > 0:
        r.append(
            Reason(
                "points.deduction_serious_offence",
                "最近三个记分周期内因肇事逃逸、饮酒后驾驶、使用伪造变造或者其他车辆号牌证件、"
                "买分卖分受到过处罚",
                (f"{a26}(二)",),
            )
        )
    if in_learner_period:
        r.append(Reason("points.deduction_learner", "驾驶证在实习期内", (f"{a26}(三)",)))
    if review_overdue:
        r.append(Reason("points.deduction_review_overdue", "驾驶证逾期未审验", (f"{a26}(三)",)))
    if licence_status in (LicenceStatus.DETAINED, LicenceStatus.SUSPENDED, LicenceStatus.SEIZED):
        r.append(
            Reason("points.deduction_licence_detained", "驾驶证被扣留、暂扣期间", (f"{a26}(三)",))
        )
    if owns_overdue_inspection_vehicle:
        r.append(
            Reason(
                "points.deduction_vehicle_inspection_overdue",
                "名下有安全技术检验超过有效期的机动车",
                (f"{a26}(四)",),
            )
        )
    if owns_underegistered_vehicle:
        r.append(
            Reason(
                "points.deduction_vehicle_not_deregistered",
                "名下有未按规定办理注销登记的机动车",
                (f"{a26}(四)",),
            )
        )
    if fraud_last_3_cycles:
        r.append(
            Reason(
                "points.deduction_fraud",
                "最近三个记分周期内在学法减分、满分教育或审验教育中有弄虚作假、冒名顶替记录",
                (f"{a26}(五)",),
            )
        )
    if r:
        return Decision.refuse(*r)
    return Decision.allow(
        Reason("points.deduction_allowed", "可以申请学法减分，本周期最多扣减6分", (a25, a26))
    )


class PointSourceKind(StrEnum):
    """What a ledger entry comes from: a penalty decision, a study deduction, a carry-over."""

    DECISION = "decision"
    DEDUCTION = "deduction"
    CARRY_OVER = "carry_over"
    CLEARANCE = "clearance"  # full-score points cleared after study and exams (第23条)


class DeductionWay(StrEnum):
    ONLINE = "online"  # 网上学习
    ONSITE = "onsite"  # 现场学习
    PUBLIC_WELFARE = "public_welfare"  # 交通安全公益活动


def deduction_points(
    way: DeductionWay,
    hours_or_times: int | Decimal,
    exam_passed: bool,
    current_points: int,
    deducted_this_cycle: int,
) -> int:
    """Points deducted for completed study (记分办法 第27条, cap 第25条).

    ``hours_or_times``: for ONLINE and ONSITE the number of completed times (online: ≥ 30
    minutes within 3 days; on-site: ≥ 1 hour), each needing a passed exam — without
    ``exam_passed`` nothing is deducted; for PUBLIC_WELFARE the hours of activity, each
    full hour one time (no exam).
    Per time: online 1, on-site 2, public welfare 1. The result never exceeds the
    6-per-cycle cap left (6 − ``deducted_this_cycle``) nor ``current_points``; never < 0.
    """
    if way is DeductionWay.PUBLIC_WELFARE:
        times = int(Decimal(hours_or_times).to_integral_value(rounding=ROUND_FLOOR))
        raw = times
    else:
        if not exam_passed:
            return 0
        times = int(hours_or_times)
        raw = times * (2 if way is DeductionWay.ONSITE else 1)
    room = min(MAX_DEDUCTION_PER_CYCLE - deducted_this_cycle, current_points)
    return max(0, min(raw, room))


def learner_full_score_cancels(points_for_violations_in_learner_period: int) -> bool:
    """Is the learner class cancelled? (驾驶证规定(公安部令第162号) 第80条)

    True when violations committed during the learner period were given 12 or more
    points in total (注销其实习的准驾车型驾驶资格). Count the points by the date of the
    violation, not the date of the decision.
    """
    return points_for_violations_in_learner_period >= FULL_SCORE


# --- full score: study, exams, clearance (满分学习、考试, 第18–23条) ---------------------


class StudyWay(StrEnum):
    """How a full-score study day was spent (记分办法 第19条)."""

    ONSITE = "onsite"  # 现场学习
    ONLINE = "online"  # 网络学习 (交管互联网学习教育平台)
    SELF = "self"  # 自主学习


STUDY_DAY_MINUTES = 180
"""第19条第3款: more than three hours in a day counts as one study day."""


@dataclass(frozen=True)
class StudySession:
    """Minutes of full-score study on one day, as the learning platform reports them."""

    day: date
    way: StudyWay
    minutes: int


@dataclass(frozen=True)
class StudyDays:
    onsite: int
    onsite_or_online: int
    total: int


def full_score_study_days(sessions: Iterable[StudySession]) -> StudyDays:
    """Study days counted under 记分办法 第19条.

    A day counts as an on-site day when the on-site study that day is *more than* three
    hours (> 180 minutes; exactly 180 does not count), as an online day when the online
    study that day totals more than three hours. A day with both counts once (同日既参加
    现场学习又参加网络学习的，学习天数不累积计算) — as an on-site day, the scarcer kind.
    Self-study (自主学习) fills the remaining days: each reported self-study day counts
    once, and not on a day already counted. Minutes of one way on one day add up.
    """
    minutes: dict[tuple[date, StudyWay], int] = {}
    for s in sessions:
        minutes[(s.day, s.way)] = minutes.get((s.day, s.way), 0) + max(s.minutes, 0)
    onsite = {d for (d, w), m in minutes.items() if w is StudyWay.ONSITE and m > STUDY_DAY_MINUTES}
    online = {
        d for (d, w), m in minutes.items() if w is StudyWay.ONLINE and m > STUDY_DAY_MINUTES
    } - onsite
    own = {d for (d, w), m in minutes.items() if w is StudyWay.SELF and m > 0} - onsite - online
    return StudyDays(len(onsite), len(onsite) + len(online), len(onsite) + len(online) + len(own))


@dataclass(frozen=True)
class ExamResult:
    exam: Exam
    taken_on: date
    passed: bool


def full_score_clearance(
    *,
    study_days_required: int,
    min_onsite_online_days: int,
    min_onsite_days: int,
    exams_required: Iterable[Exam],
    study: StudyDays,
    exams: Iterable[ExamResult],
    unpaid_fines: int,
    suspension_ends_on: date | None = None,
    on: date,
) -> Decision:
    """May the full-score points be cleared and the detained licence returned?

    Source: 记分办法 第23条 — "经满分学习、考试合格且罚款已缴纳的，记分予以清除，发还机动车驾驶
    证"; the study is the one 第18–19条 fixed for this 满分 (``study_days_required`` in all,
    of them ``min_onsite_online_days`` on-site or online and ``min_onsite_days`` on-site);
    the exams are those of 第21–22条 (``exams_required``), each passed at least once (a
    failed try may be retaken after ten days, 第21条: only the pass matters here). Every
    failing condition is returned. ``unpaid_fines`` counts the driver's penalty decisions
    with a fine not yet paid. A licence also suspended (暂扣) is returned only after the
    suspension ends (第23条第二句): then the points are cleared but the licence stays —
    the allowed decision says so (reason ``points.licence_kept_until_suspension_ends``).
    Worked example (第18–19条): an ordinary driver at his first 满分 needs 7 days, 5 of
    them on-site or online, 2 on-site, and the theory exam.
    """
    art19, art23 = f"{_A} 第19条", f"{_A} 第23条"
    r: list[Reason] = []
    if study.onsite < min_onsite_days:
        r.append(
            Reason(
                "points.full_score_onsite_short",
                f"现场学习{study.onsite}天，不少于{min_onsite_days}天",
                (art19,),
                {"onsite_days": study.onsite, "required": min_onsite_days},
            )
        )
    if study.onsite_or_online < min_onsite_online_days:
        r.append(
            Reason(
                "points.full_score_onsite_online_short",
                f"现场学习和网络学习合计{study.onsite_or_online}天，"
                f"不少于{min_onsite_online_days}天",
                (art19,),
                {"days": study.onsite_or_online, "required": min_onsite_online_days},
            )
        )
    if study.total < study_days_required:
        r.append(
            Reason(
                "points.full_score_study_short",
                f"满分学习{study.total}天，应当学习满{study_days_required}天",
                (f"{_A} 第18条", art19),
                {"days": study.total, "required": study_days_required},
            )
        )
    passed = {e.exam for e in exams if e.passed}
    missing = [e for e in exams_required if e not in passed]
    if missing:
        r.append(
            Reason(
                "points.full_score_exam_missing",
                "尚未考试合格：" + "、".join(_EXAM_ZH[e] for e in missing),
                (f"{_A} 第21条", f"{_A} 第22条"),
                {"exams": [e.value for e in missing]},
            )
        )
    if unpaid_fines > 0:
        r.append(
            Reason(
                "points.full_score_fines_unpaid",
                f"有{unpaid_fines}笔罚款尚未缴纳，缴纳后方可清除记分、发还驾驶证",
                (art23,),
                {"unpaid_fines": unpaid_fines},
            )
        )
    if r:
        return Decision.refuse(*r)
    return Decision.allow(
        Reason(
            "points.full_score_cleared",
            "满分学习、考试合格且罚款已缴纳，记分予以清除",
            (art23,),
        ),
        Reason(
            "points.licence_kept_until_suspension_ends",
            f"驾驶证同时被暂扣，暂扣期满（{suspension_ends_on:%Y年%m月%d日}）后发还",
            (art23,),
            {"suspension_ends_on": suspension_ends_on.isoformat()},
        )
        if suspension_ends_on is not None and on <= suspension_ends_on
        else Reason("points.licence_returned", "发还机动车驾驶证", (art23,)),
    )


def exam_retake_on(failed_on: date) -> date:
    """The first day a failed full-score exam may be booked again (第21条, 第22条: 十日后).

    Natural days (第36条): failed on 2026-11-01 → from 2026-11-11.
    """
    return failed_on + timedelta(days=10)
