"""Driving-licence rules of 《机动车驾驶证申领和使用规定》(公安部令第162号, 172号令 for ages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from gangting.citizens.rules import age_on
from gangting.kernel import law
from gangting.kernel.calendar import add_days, add_months, add_years, anniversary
from gangting.kernel.decision import Decision, Reason

_R = law.LICENCE
_R172 = law.LICENCE_172


class LicenceClass(StrEnum):
    A1 = "A1"
    A2 = "A2"
    A3 = "A3"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    C6 = "C6"
    D = "D"
    E = "E"
    F = "F"
    M = "M"
    N = "N"
    P = "P"

    @property
    def zh_name(self) -> str:
        return CLASS_NAMES_ZH[self]


CLASS_NAMES_ZH: Mapping[LicenceClass, str] = {
    LicenceClass.A1: "大型客车",
    LicenceClass.A2: "重型牵引挂车",
    LicenceClass.A3: "城市公交车",
    LicenceClass.B1: "中型客车",
    LicenceClass.B2: "大型货车",
    LicenceClass.C1: "小型汽车",
    LicenceClass.C2: "小型自动挡汽车",
    LicenceClass.C3: "低速载货汽车",
    LicenceClass.C4: "三轮汽车",
    LicenceClass.C5: "残疾人专用小型自动挡载客汽车",
    LicenceClass.C6: "轻型牵引挂车",
    LicenceClass.D: "普通三轮摩托车",
    LicenceClass.E: "普通二轮摩托车",
    LicenceClass.F: "轻便摩托车",
    LicenceClass.M: "轮式专用机械车",
    LicenceClass.N: "无轨电车",
    LicenceClass.P: "有轨电车",
}

LARGE_CLASSES: frozenset[LicenceClass] = frozenset(
    {LicenceClass.A1, LicenceClass.A2, LicenceClass.A3, LicenceClass.B1, LicenceClass.B2}
)
"""大中型客货车 (第109条(四)); 30-day full-score study (记分办法 第18条)."""


class LicenceStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    DETAINED = "detained"  # 扣留
    SUSPENDED = "suspended"  # 暂扣
    SEIZED = "seized"  # 扣押
    REVOKED = "revoked"  # 吊销
    CANCELLED = "cancelled"  # 注销


class Validity(StrEnum):
    SIX_YEARS = "six_years"
    TEN_YEARS = "ten_years"
    LONG_TERM = "long_term"


_VALIDITY_YEARS = {Validity.SIX_YEARS: 6, Validity.TEN_YEARS: 10}


def expiry_on(valid_from: date, validity: Validity) -> date | None:
    """Last day of validity; ``None`` for long-term (第13条: six, ten years, long-term).

    The licence shows "valid_from 至 same day N years later" (2020-03-15 至 2026-03-15);
    that printed day is the last valid day. A 29 February start ends on 28 February.
    """
    years = _VALIDITY_YEARS.get(validity)
    return None if years is None else add_years(valid_from, years)


def renewal_window(expires_on: date, on: date) -> Decision:
    """May the licence be renewed (期满换证) on ``on``?

    Source: 第63条 — apply within the 90 days before expiry; 第79条(八) — cancelled when
    expired more than one year. Boundaries (decision): the window opens on
    ``expires_on − 90 days`` (inclusive) and on-time renewal runs to ``expires_on``;
    from the day after expiry up to and including the first anniversary of expiry the
    renewal is still accepted as overdue renewal (逾期换证, no driving meanwhile,
    实施条例 第28条); after that the licence is to be cancelled (see
    ``should_cancel_for_expiry``), and may be regained by passing the theory exam
    within 2 years of cancellation (第79条第3款).
    """
    opens = add_days(expires_on, -90)
    data = {"expires_on": expires_on.isoformat(), "window_opens_on": opens.isoformat()}
    if on < opens:
        return Decision.refuse(
            Reason(
                "licences.renewal_too_early",
                f"驾驶证有效期至{expires_on:%Y年%m月%d日}，请于{opens:%Y年%m月%d日}起申请换证",
                (f"{_R} 第63条",),
                data,
            )
        )
    if on <= expires_on:
        return Decision.allow(
            Reason("licences.renewal_open", "已进入期满换证期", (f"{_R} 第63条",), data)
        )
    if not should_cancel_for_expiry(expires_on, on):
        return Decision.allow(
            Reason(
                "licences.renewal_overdue",
                "驾驶证已超过有效期，可以办理逾期换证；换证前不得驾驶机动车",
                (f"{_R} 第63条", law.cite(law.IMPLEMENTING, "第28条"), f"{_R} 第79条"),
                data,
            )
        )
    return Decision.refuse(
        Reason(
            "licences.renewal_expired_over_one_year",
            "驾驶证超过有效期一年以上未换证，应当注销；注销后二年内可通过科目一考试恢复驾驶资格",
            (f"{_R} 第79条第1款第(八)项", f"{_R} 第79条第3款"),
            data,
        )
    )


def should_cancel_for_expiry(expires_on: date, on: date) -> bool:
    """Expired more than one year: ``on`` is after the first anniversary of expiry (第79条(八))."""
    return on > add_years(expires_on, 1)


def next_validity(current: Validity, had_full_score_cycle_during_validity: bool) -> Validity:
    """Validity of the renewed licence (第62条; 实施条例 第26条).

    No cycle reached 12 points during the validity: six → ten → long-term. Otherwise the
    same period again. Long-term stays long-term.
    """
    if had_full_score_cycle_during_validity:
        return current
    if current is Validity.SIX_YEARS:
        return Validity.TEN_YEARS
    return Validity.LONG_TERM


def replacement_allowed(status: LicenceStatus) -> Decision:
    """May a lost licence be replaced (补领)?

    Source: 第69条第3款 — not while seized (扣押), detained (扣留) or suspended (暂扣).
    Revoked (吊销) or cancelled (注销) licences no longer exist, so nothing to replace.
    Expired (decision): refused with a pointer to renewal, which issues a new licence.
    """
    basis = (f"{_R} 第69条第3款",)
    if status in (LicenceStatus.DETAINED, LicenceStatus.SUSPENDED, LicenceStatus.SEIZED):
        return Decision.refuse(
            Reason(
                "licences.replacement_while_detained",
                "驾驶证被扣押、扣留或者暂扣期间，不能申请补领",
                basis,
                {"status": status.value},
            )
        )
    if status in (LicenceStatus.REVOKED, LicenceStatus.CANCELLED):
        return Decision.refuse(
            Reason(
                "licences.replacement_not_valid",
                "驾驶证已被吊销或者注销，不能申请补领",
                (f"{_R} 第69条", f"{_R} 第79条"),
                {"status": status.value},
            )
        )
    if status is LicenceStatus.EXPIRED:
        return Decision.refuse(
            Reason(
                "licences.replacement_expired",
                "驾驶证已超过有效期，请办理期满换证",
                (f"{_R} 第63条",),
                {"status": status.value},
            )
        )
    return Decision.allow(
        Reason("licences.replacement_allowed", "可以申请补领驾驶证", (f"{_R} 第69条",))
    )


@dataclass(frozen=True)
class HealthCertDue:
    """Health certificate duty of a driver aged 70+ for one ended scoring cycle."""

    required: bool
    submit_by: date | None
    overdue: bool
    cancel_if_not_submitted_after: date | None
    cancellable: bool


def health_certificate_required(birth_date: date, cycle_end: date, on: date) -> HealthCertDue:
    """Health certificate for drivers aged 70 or more (第74条, 第79条(九)).

    Required when the driver is 70 or older on ``cycle_end``. Submit within 30 natural
    days after the cycle end (``submit_by`` = cycle_end + 30, inclusive; ``overdue`` when
    ``on`` is later). Not submitted within one year after the cycle end → the licence
    is to be cancelled: ``cancellable`` when ``on`` is after the first anniversary of
    ``cycle_end``. (C5 holders' 3-yearly certificate is not covered here.)
    """
    if age_on(birth_date, cycle_end) < 70:
        return HealthCertDue(False, None, False, None, False)
    submit_by = add_days(cycle_end, 30)
    cancel_after = add_years(cycle_end, 1)
    return HealthCertDue(True, submit_by, on > submit_by, cancel_after, on > cancel_after)


def health_certificate_valid(issued_on: date, on: date) -> bool:
    """A health certificate is valid for 6 months from its issue day (第85条第2款).

    The issue day counts as the first day, so a certificate issued 2026-01-15 is valid
    through 2026-07-14. Not valid before its issue day.
    """
    return issued_on <= on < add_months(issued_on, 6)


def learner_period_end(first_issued_of_class: date) -> date:
    """Last day of the 12-month learner period (第76条), counted from the issue day.

    2026-03-15 → 2027-03-14. A 29 February issue ends on the last day of February.
    """
    return anniversary(first_issued_of_class, 1) - timedelta(days=1)


# --- age limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeLimit:
    """Age bounds in completed years, both inclusive.

    民法典 第1259条: "以上/以下" include the number itself.
    """

    min_age: int
    max_age: int | None
    vocational_min_age: int | None = None


def _table(
    small: int | None, c3: int, de: int, c6: int, mid: int, large: int
) -> dict[LicenceClass, AgeLimit]:
    c = LicenceClass
    t = {k: AgeLimit(18, small) for k in (c.C1, c.C2, c.C5, c.F)}
    t |= {k: AgeLimit(18, c3) for k in (c.C3, c.C4, c.M)}
    t |= {k: AgeLimit(18, de) for k in (c.D, c.E)}
    t[c.C6] = AgeLimit(20, c6)
    t |= {k: AgeLimit(20, mid) for k in (c.A3, c.B1, c.B2, c.N, c.P)}
    t |= {k: AgeLimit(22, large, vocational_min_age=19) for k in (c.A1, c.A2)}
    return t


AGE_LIMITS_BY_EFFECTIVE_DATE: tuple[tuple[date, str, Mapping[LicenceClass, AgeLimit]], ...] = (
    (date(2022, 4, 1), f"{_R} 第14条", _table(None, 60, 60, 60, 60, 60)),
    (date(2025, 1, 1), f"{_R} 第14条(经{_R172}修改)", _table(None, 63, 70, 70, 63, 63)),
)
"""Applicant age limits per class, by the date the rule took effect (latest last)."""


def age_limits_on(on: date) -> tuple[str, Mapping[LicenceClass, AgeLimit]]:
    """The age-limit table in force on ``on`` and its citation (162号令, then 172号令)."""
    chosen = AGE_LIMITS_BY_EFFECTIVE_DATE[0]
    for row in AGE_LIMITS_BY_EFFECTIVE_DATE:
        if row[0] <= on:
            chosen = row
    return chosen[1], chosen[2]


def applicant_age_allowed(
    licence_class: LicenceClass, birth_date: date, on: date, *, vocational_student: bool = False
) -> Decision:
    """Is the applicant's age within the limits for ``licence_class`` on ``on``?

    Source: 162号令 第14条(一) until 2024-12-31; as amended by 172号令 from 2025-01-01.
    Both bounds inclusive: "60周岁以下" allows a 60-year-old. Full-time vocational
    students may apply for A1/A2 from 19.
    """
    basis, table = age_limits_on(on)
    limit = table[licence_class]
    age = age_on(birth_date, on)
    min_age = limit.min_age
    if vocational_student and limit.vocational_min_age is not None:
        min_age = limit.vocational_min_age
    name = licence_class.zh_name
    if age < min_age:
        return Decision.refuse(
            Reason(
                "licences.age_too_young",
                f"申请{name}({licence_class.value})准驾车型应年满{min_age}周岁",
                (basis,),
                {"age": age, "min_age": min_age},
            )
        )
    if limit.max_age is not None and age > limit.max_age:
        return Decision.refuse(
            Reason(
                "licences.age_too_old",
                f"申请{name}({licence_class.value})准驾车型的年龄上限为{limit.max_age}周岁",
                (basis,),
                {"age": age, "max_age": limit.max_age},
            )
        )
    return Decision.allow(
        Reason("licences.age_allowed", "年龄符合申请条件", (basis,), {"age": age})
    )


@dataclass(frozen=True)
class Cycle:
    """One scoring cycle, both ends inclusive."""

    start: date
    end: date


def scoring_cycle(first_issued_on: date, on: date) -> Cycle:
    """The scoring cycle containing ``on``.

    Source: 记分办法 第3条 — 12-month cycles counted continuously from the day the licence
    was first issued; not the calendar year. Cycle k runs from the k-th anniversary of
    ``first_issued_on`` to the day before the next one (2020-03-15 → 2020-03-15..2021-03-14).
    Edge case (decision): a first issue on 29 February has its anniversary on 1 March in
    common years, so every cycle ends on the last day of February.
    Raises ValueError when ``on`` is before ``first_issued_on``.
    """
    if on < first_issued_on:
        raise ValueError("on is before the first issue date")
    k = on.year - first_issued_on.year
    if anniversary(first_issued_on, k) > on:
        k -= 1
    start = anniversary(first_issued_on, k)
    end = anniversary(first_issued_on, k + 1) - timedelta(days=1)
    return Cycle(start, end)


def classes_over_age(classes: Iterable[str], birth_date: date, on: date) -> tuple[Reason, ...]:
    """The held classes whose upper age limit the holder has passed on ``on``.

    Source: 第14条 (the age table, as amended by 172号令 from 2025-01-01, via
    ``applicant_age_allowed``) and 第65条 — past the limit the class may no longer be
    driven and the licence is to be exchanged for a lower class (降级换证) at a 车管所
    window. Only the upper bound matters for a holder; unknown class codes are skipped.
    """
    out: list[Reason] = []
    for code in classes:
        try:
            licence_class = LicenceClass(code.strip())
        except ValueError:
            continue
        verdict = applicant_age_allowed(licence_class, birth_date, on)
        for r in verdict.reasons:
            if r.code == "licences.age_too_old":
                out.append(
                    Reason(
                        "licences.class_over_age",
                        f"{r.message}，已超过年龄上限，应当到车辆管理所办理降级换证",
                        (*r.legal_basis, f"{_R} 第65条"),
                        {**r.data, "class": licence_class.value},
                    )
                )
    return tuple(out)


def health_certificate_lapsed(
    birth_date: date, cycle_end: date, on: date, submitted_since_cycle_end: bool
) -> bool:
    """Is the licence to be cancelled for a missing 70+ health certificate? (第79条(九))

    True when the driver was 70 or older at ``cycle_end``, more than one year has passed
    since it (``health_certificate_required(...).cancellable``), and no certificate was
    submitted for that cycle. A certificate submitted later restores the licence while it
    is valid or expired under a year (第79条第4款): pass ``submitted_since_cycle_end``
    True then, and this answers False.
    """
    due = health_certificate_required(birth_date, cycle_end, on)
    return due.cancellable and not submitted_since_cycle_end


# --- review (审验), 第72–74条 ---------------------------------------------------------------

REVIEW_STUDY_MINUTES = 180
"""第73条第2款: no less than three hours of study."""


class AccidentLiability(StrEnum):
    """Liability for a traffic accident as the accident decision states it (事故认定书)."""

    FULL = "full"  # 全部责任
    MAIN = "main"  # 主要责任
    EQUAL = "equal"  # 同等责任
    MINOR = "minor"  # 次要责任
    NONE = "none"  # 无责任


EQUAL_OR_MORE = frozenset({AccidentLiability.FULL, AccidentLiability.MAIN, AccidentLiability.EQUAL})


@dataclass(frozen=True)
class Accident:
    """A traffic accident of the driver in a cycle, as the accident system records it."""

    occurred_on: date
    deaths: int
    serious_injuries: int
    liability: AccidentLiability
    processed: bool = True


@dataclass(frozen=True)
class ReviewDue:
    """Whether a driver must be reviewed (审验) for one ended scoring cycle, and what it holds."""

    required: bool
    due_by: date | None
    study_minutes: int
    cognitive_test: bool
    reasons: tuple[Reason, ...]


def review_due(
    *,
    classes: Iterable[str],
    cycle_end: date,
    points_in_cycle: int,
    age_at_cycle_end: int,
    accidents_in_cycle: Iterable[Accident] = (),
) -> ReviewDue:
    """Must the driver be reviewed for the cycle that ended on ``cycle_end``?

    Sources: 第72条第3款 — A1/A2/A3/B1/B2 holders within 30 days after each cycle ends,
    exempt for a cycle with no points; 第72条第4款 — other classes after a fatal accident
    with equal or greater liability (licence not revoked); 第72条第5款 — aged 70+ after a
    liable accident causing serious injury or death. Content (第73条第2–3款): ≥ 3 hours of
    study + accident case education for the first two; the 70+ ability test (记忆力、判断
    力、反应力, 三力测试) for anyone 70+ at the review. ``due_by`` = cycle end + 30 natural
    days, inclusive. The renewal review (第72条第2款) is part of renewal, not this rule.
    Worked example: a B2 holder with 3 points in the cycle ending 2026-03-14 must be
    reviewed by 2026-04-13 with 3 hours' study; with no points he is exempt.
    """
    held = {c.strip() for c in classes}
    large = any(c in LARGE_CLASSES for c in held)
    accidents = tuple(accidents_in_cycle)
    fatal = any(a.deaths > 0 and a.liability in EQUAL_OR_MORE for a in accidents)
    serious = any(
        (a.deaths > 0 or a.serious_injuries > 0) and a.liability is not AccidentLiability.NONE
        for a in accidents
    )
    due_by = add_days(cycle_end, 30)
    reasons: list[Reason] = []
    study = 0
    if large and points_in_cycle > 0:
        study = REVIEW_STUDY_MINUTES
        reasons.append(
            Reason(
                "licences.review_large_class",
                "持有大中型客货车驾驶证，本记分周期有记分，应当在记分周期结束后三十日内接受审验，"
                "并参加不少于三小时的学习和事故案例警示教育",
                (f"{_R} 第72条第3款", f"{_R} 第73条第2款"),
                {"points_in_cycle": points_in_cycle},
            )
        )
    elif not large and fatal:
        study = REVIEW_STUDY_MINUTES
        reasons.append(
            Reason(
                "licences.review_fatal_accident",
                "发生交通事故造成人员死亡承担同等以上责任，应当在记分周期结束后三十日内接受审验，"
                "并参加不少于三小时的学习和事故案例警示教育",
                (f"{_R} 第72条第4款", f"{_R} 第73条第2款"),
            )
        )
    if age_at_cycle_end >= 70 and serious:
        reasons.append(
            Reason(
                "licences.review_seventy_accident",
                "年满70周岁发生责任交通事故造成人员重伤或者死亡，应当在记分周期结束后三十日内接受审验",
                (f"{_R} 第72条第5款",),
            )
        )
    if not reasons:
        exempt = (
            (
                Reason(
                    "licences.review_exempt_no_points",
                    "本记分周期没有记分记录，免予本记分周期审验",
                    (f"{_R} 第72条第3款",),
                ),
            )
            if large
            else (
                Reason(
                    "licences.review_not_required",
                    "本记分周期无需接受审验（期满换证时一并审验）",
                    (f"{_R} 第72条",),
                ),
            )
        )
        return ReviewDue(False, None, 0, False, exempt)
    cognitive = age_at_cycle_end >= 70
    if cognitive:
        reasons.append(
            Reason(
                "licences.review_cognitive_test",
                "年满70周岁，审验时应当进行记忆力、判断力、反应力能力测试",
                (f"{_R} 第73条第3款",),
            )
        )
    return ReviewDue(True, due_by, study, cognitive, tuple(reasons))


def review_overdue(due: ReviewDue, completed: bool, on: date) -> bool:
    """Overdue for review (逾期未审验): required, not completed and ``on`` past ``due_by``.

    Consequences: no 学法减分 (记分办法 第26条(三)); driving meanwhile is fined 200–500
    yuan (第99条第1款(三)).
    """
    return due.required and not completed and due.due_by is not None and on > due.due_by


def review_outcome(
    due: ReviewDue,
    *,
    on: date,
    unprocessed_violations: int,
    unprocessed_accidents: int,
    study_minutes_done: int,
    cognitive_test_passed: bool | None,
    health_fit: bool = True,
) -> Decision:
    """Does the driver pass the review? Every failing condition is returned.

    Source: 第73条第4款 — not passed when violations or accidents are unprocessed, the
    body no longer qualifies (``health_fit``), or the required study, education or tests
    were not taken; the study of 第73条第2款 (``due.study_minutes``, 180) and the ability
    test of 第73条第3款 (``cognitive_test_passed``: None = not taken, False = failed). A
    review after ``due_by`` is still taken; the answer says it is late (第99条(三)).
    """
    art = f"{_R} 第73条第4款"
    if not due.required:
        return Decision.refuse(*due.reasons)
    r: list[Reason] = []
    if unprocessed_violations > 0:
        r.append(
            Reason(
                "licences.review_violations_unprocessed",
                f"有{unprocessed_violations}条交通违法记录未处理完毕",
                (art,),
                {"count": unprocessed_violations},
            )
        )
    if unprocessed_accidents > 0:
        r.append(
            Reason(
                "licences.review_accidents_unprocessed",
                f"有{unprocessed_accidents}起交通事故未处理完毕",
                (art,),
                {"count": unprocessed_accidents},
            )
        )
    if not health_fit:
        r.append(
            Reason(
                "licences.review_health_unfit",
                "身体条件不符合驾驶许可条件或者未按规定提交身体条件证明",
                (art, f"{_R} 第74条"),
            )
        )
    if study_minutes_done < due.study_minutes:
        r.append(
            Reason(
                "licences.review_study_short",
                f"审验教育学习{study_minutes_done}分钟，不少于{due.study_minutes}分钟",
                (art, f"{_R} 第73条第2款"),
                {"minutes": study_minutes_done, "required": due.study_minutes},
            )
        )
    if due.cognitive_test and cognitive_test_passed is not True:
        r.append(
            Reason(
                "licences.review_cognitive_test_missing"
                if cognitive_test_passed is None
                else "licences.review_cognitive_test_failed",
                "尚未进行记忆力、判断力、反应力能力测试"
                if cognitive_test_passed is None
                else "记忆力、判断力、反应力能力测试未通过",
                (art, f"{_R} 第73条第3款"),
            )
        )
    if r:
        return Decision.refuse(*r)
    return Decision.allow(
        Reason("licences.review_passed", "审验通过", (f"{_R} 第72条", f"{_R} 第73条")),
        *(
            [
                Reason(
                    "licences.review_late",
                    f"已超过审验期限（{due.due_by:%Y年%m月%d日}）；逾期未审验期间驾驶机动车的，"
                    "处二百元以上五百元以下罚款",
                    (f"{_R} 第99条第1款第(三)项",),
                    {"due_by": due.due_by.isoformat()},
                )
            ]
            if due.due_by is not None and on > due.due_by
            else []
        ),
    )
