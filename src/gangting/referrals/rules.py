"""Referrals (转办) and objections to camera records (异议), pure: the states and the steps
between them, the deadline in working days, the overdue test, which unit answers an
objection, and the zh-CN texts the citizen is sent at each step.

A referral: the booth could not finish a matter, so the application goes to the responsible
unit with a deadline and the materials already collected. The unit accepts it, asks the
citizen for more (the citizen supplies it, the referral is accepted again), finishes it or
declines it with a reason::

    referred -> accepted -> more_requested -> accepted (supplied) -> finished
        \\____________\\_______________\\___________________________-> declined

An objection (处理程序规定 第5条第3款) is a referral of kind ``objection``: "违法行为人或者机动车
所有人、管理人对交通技术监控设备记录的违法行为事实有异议的，可以……通过……违法行为处理窗口……提出。
处理地公安机关交通管理部门应当在收到当事人申请后当日……通知违法行为发生地公安机关交通管理部门。违法行为
发生地公安机关交通管理部门应当在五日内予以审查，异议成立的，予以消除；异议不成立的，告知当事人。"
第81条第2款: "本规定所称的……“五日”……是指工作日，不包括节假日。" So the deadline of an objection is
5 working days; it is finished as upheld (the record is erased) or rejected (the citizen is
told; processing is allowed again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum

from gangting.kernel import law
from gangting.kernel.calendar import HolidayCalendar

OBJECTION_BASIS = law.cite(law.PROCEDURE, "第5条第3款")
WORKING_DAYS_BASIS = law.cite(law.PROCEDURE, "第81条第2款")
# 第5条第3款 "五日内予以审查", 五日 = working days (第81条第2款).
OBJECTION_REVIEW_WORKING_DAYS = 5
NOTE_MIN_CHARS = 2
NOTE_MAX_CHARS = 500
MATERIALS_MAX = 20
MATERIAL_REF_MAX_CHARS = 128


class ReferralKind(StrEnum):
    REFERRAL = "referral"  # 转办
    OBJECTION = "objection"  # 异议


class ReferralState(StrEnum):
    REFERRED = "referred"
    ACCEPTED = "accepted"
    MORE_REQUESTED = "more_requested"
    FINISHED = "finished"
    DECLINED = "declined"


class Step(StrEnum):
    REFER = "refer"
    ACCEPT = "accept"
    REQUEST_MORE = "request_more"
    SUPPLY = "supply"
    FINISH = "finish"
    DECLINE = "decline"


class Outcome(StrEnum):
    """How an objection ends: 异议成立 (upheld) or 异议不成立 (rejected)."""

    UPHELD = "upheld"
    REJECTED = "rejected"


STATE_ZH = {
    ReferralState.REFERRED: "已转办",
    ReferralState.ACCEPTED: "已受理",
    ReferralState.MORE_REQUESTED: "待补充材料",
    ReferralState.FINISHED: "已办结",
    ReferralState.DECLINED: "不予受理",
}
KIND_ZH = {ReferralKind.REFERRAL: "转办", ReferralKind.OBJECTION: "交通违法异议"}
STEP_ZH = {
    Step.REFER: "转办",
    Step.ACCEPT: "受理",
    Step.REQUEST_MORE: "要求补充材料",
    Step.SUPPLY: "补充材料",
    Step.FINISH: "办结",
    Step.DECLINE: "不予受理",
}
OUTCOME_ZH = {Outcome.UPHELD: "异议成立", Outcome.REJECTED: "异议不成立"}
OPEN_STATES = frozenset(
    {ReferralState.REFERRED, ReferralState.ACCEPTED, ReferralState.MORE_REQUESTED}
)
# The unit owes the next move in these states; waiting for the citizen it does not.
UNIT_OWES = frozenset({ReferralState.REFERRED, ReferralState.ACCEPTED})

# step -> (states it may start from, state after)
TRANSITIONS: dict[Step, tuple[frozenset[ReferralState], ReferralState]] = {
    Step.ACCEPT: (frozenset({ReferralState.REFERRED}), ReferralState.ACCEPTED),
    Step.REQUEST_MORE: (frozenset({ReferralState.ACCEPTED}), ReferralState.MORE_REQUESTED),
    Step.SUPPLY: (frozenset({ReferralState.MORE_REQUESTED}), ReferralState.ACCEPTED),
    Step.FINISH: (
        frozenset({ReferralState.REFERRED, ReferralState.ACCEPTED}),
        ReferralState.FINISHED,
    ),
    Step.DECLINE: (OPEN_STATES, ReferralState.DECLINED),
}


def next_state(state: ReferralState, step: Step) -> ReferralState | None:
    """The state after ``step`` from ``state``, or None when the step does not apply there
    (a closed referral takes no step; the unit cannot finish while it waits for the
    citizen's supplement, nor the citizen supply what was not asked for)."""
    sources, after = TRANSITIONS[step]
    return after if state in sources else None


def add_working_days(start: date, days: int, calendar: HolidayCalendar) -> date:
    """The ``days``-th working day after ``start`` (the day itself not counted, 民法典
    第201条). 0 gives ``start`` itself. Working days follow the holiday calendar (holidays
    and 调休 are configuration)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    d, left = start, days
    while left:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            left -= 1
    return d


def working_days_between(start: date, end: date, calendar: HolidayCalendar) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            n += 1
    return n


def due_on(
    kind: ReferralKind, referred_on: date, working_days: int, calendar: HolidayCalendar
) -> date:
    """The last day for the unit to finish. An objection: 5 working days (处理程序规定 第5条第3款
    with 第81条第2款), whatever the setting. Any other referral: ``working_days`` (the
    setting GANGTING_REFERRAL_WORKING_DAYS; the law sets none for a booth's referral)."""
    days = OBJECTION_REVIEW_WORKING_DAYS if kind == ReferralKind.OBJECTION else working_days
    return add_working_days(referred_on, days, calendar)


def extended_due_on(
    due: date, asked_on: date, supplied_on: date, calendar: HolidayCalendar
) -> date:
    """The deadline after the citizen supplied what the unit asked for: the working days the
    unit waited (after the day it asked, up to the day supplied) are added, so waiting for
    the citizen does not eat the unit's time. [U]: the law is silent; ours."""
    return add_working_days(due, working_days_between(asked_on, supplied_on, calendar), calendar)


def is_overdue(state: ReferralState, due: date, today: date) -> bool:
    """Overdue: the unit owes the next move (referred or accepted) and the due day has
    passed. Waiting for the citizen's supplement, or closed, it is not."""
    return state in UNIT_OWES and today > due


def note_text(note: str | None, *, required: bool) -> str | None:
    """A step's note, trimmed; None when blank and not required. Raises ValueError (the
    service names it) when required and shorter than NOTE_MIN_CHARS or too long."""
    text = (note or "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ValueError("too long")
    if not text:
        if required:
            raise ValueError("blank")
        return None
    if len(text) < NOTE_MIN_CHARS:
        raise ValueError("too short")
    return text


def material_refs(refs: Sequence[str]) -> list[str]:
    """References to the materials the booth collected (evidence keys, document numbers),
    trimmed, in order, without repeats. Raises ValueError on a blank or too long one, or on
    more than MATERIALS_MAX."""
    seen: dict[str, None] = {}
    for ref in refs:
        text = ref.strip()
        if not text or len(text) > MATERIAL_REF_MAX_CHARS:
            raise ValueError(ref)
        seen.setdefault(text, None)
    if len(seen) > MATERIALS_MAX:
        raise ValueError("too many")
    return list(seen)


def place_district(place: str, districts: Mapping[str, str]) -> str | None:
    """The district code of a violation's place text, or None.

    The rule: camera sites and places are written with the district's full name first
    ("昆都仑区钢铁大街与友谊大街交叉口"), so the place belongs to the district whose name
    (``districts``: code -> name) it starts with; the longest name wins when two match.
    The unit of that district answers the objection (第5条第3款: 违法行为发生地).
    """
    text = place.strip()
    best: tuple[int, str] | None = None
    for code, name in districts.items():
        if name and text.startswith(name) and (best is None or len(name) > best[0]):
            best = (len(name), code)
    return None if best is None else best[1]


def brigade_of(district_name: str, brigades: Mapping[str, str]) -> str | None:
    """The brigade (大队) code among ``brigades`` (code -> name) whose name ends with the
    district's name and 大队 ("……昆都仑区大队"), or None (the caller falls back to the
    detachment)."""
    suffix = f"{district_name}大队"
    for code, name in sorted(brigades.items()):
        if name.endswith(suffix):
            return code
    return None


def notice_text(
    kind: ReferralKind,
    step: Step,
    *,
    referral_no: str,
    matter: str,
    unit_name: str,
    due: date,
    note: str | None = None,
    outcome: Outcome | None = None,
) -> str:
    """The zh-CN SMS text the citizen is sent after ``step`` (no personal data in it but
    the referral's number). An objection's answer says whether it was upheld."""
    head = f"【包头交警】您的{matter}（编号{referral_no}）"
    if step == Step.REFER:
        if kind == ReferralKind.OBJECTION:
            return (
                f"{head}已提交至{unit_name}审查，审查期限至{due.isoformat()}"
                "（五个工作日内）。异议审查期间该违法记录暂不处理。"
            )
        return f"{head}已转至{unit_name}办理，办理期限至{due.isoformat()}。"
    if step == Step.ACCEPT:
        return f"{head}已由{unit_name}受理，办理期限至{due.isoformat()}。"
    if step == Step.REQUEST_MORE:
        return f"{head}需补充材料：{note or ''}。请到任一交通智慧岗亭补充。"
    if step == Step.SUPPLY:
        return f"{head}补充材料已收到，办理期限至{due.isoformat()}。"
    if step == Step.FINISH:
        if kind == ReferralKind.OBJECTION and outcome == Outcome.UPHELD:
            return f"{head}经审查异议成立，该违法记录已予消除。{note or ''}".rstrip()
        if kind == ReferralKind.OBJECTION:
            return (
                f"{head}经审查异议不成立：{note or ''}。该违法记录可继续处理，"
                "请及时到交通智慧岗亭或窗口处理。"
            )
        return f"{head}已办结：{note or ''}。"
    return f"{head}不予受理：{note or ''}。"
