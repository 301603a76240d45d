"""Rating rules (政务服务"好差评", shared/domain/RULES.md §7). Pure: stdlib + kernel only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.decision import Decision, Reason


class RemedyState(StrEnum):
    """A bad rating's remedy (差评整改): open -> assigned (to the booth's unit, at once when
    the rating arrives) -> contacted (核实、联系评价人) -> fixed (整改) -> return_visited (回访)
    -> closed (with the citizen's answer). "谁办理、谁负责" (RULES.md §7)."""

    OPEN = "open"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    FIXED = "fixed"
    RETURN_VISITED = "return_visited"
    CLOSED = "closed"


RATING_POLICY = (
    "《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》(国办发〔2019〕51号)"
)
RATING_STANDARD = "GB/T 39734-2020《政务服务“一次一评”“一事一评”工作规范》"


@dataclass(frozen=True)
class Level:
    value: int  # 5 best … 1 worst
    name: str
    zh: str

    @property
    def bad(self) -> bool:
        """差评: the last two levels (不满意, 非常不满意)."""
        return self.value <= 2


LEVELS: tuple[Level, ...] = (
    Level(5, "very_satisfied", "非常满意"),
    Level(4, "satisfied", "满意"),
    Level(3, "basic", "基本满意"),
    Level(2, "unsatisfied", "不满意"),
    Level(1, "very_unsatisfied", "非常不满意"),
)
_BY_KEY: dict[int | str, Level] = {
    **{lv.value: lv for lv in LEVELS},
    **{lv.name: lv for lv in LEVELS},
}


def parse_level(raw: int | str) -> Level:
    """The five levels of 国办发〔2019〕51号 as 5..1 or their English names.

    5 = 非常满意 (very_satisfied) … 1 = 非常不满意 (very_unsatisfied). A digit string
    ("4") counts as its number. Raises ValueError for anything else.
    """
    key: int | str = int(raw) if isinstance(raw, str) and raw.isdigit() else raw
    if isinstance(key, bool) or key not in _BY_KEY:
        raise ValueError("评价等级应为 1–5 或 very_satisfied … very_unsatisfied")
    return _BY_KEY[key]


def rating_acceptable(level: Level, reason: str | None) -> Decision:
    """A bad rating (差评) must say why, so it can be verified and remedied
    (国办发〔2019〕51号: 差评 are verified, called back and fixed; GB/T 39734-2020 §9)."""
    if level.bad and not (reason or "").strip():
        return Decision.refuse(
            Reason(
                "ratings.reason_required",
                "选择“不满意”或“非常不满意”时，请说明原因，以便我们核实整改",
                (RATING_POLICY, RATING_STANDARD),
            )
        )
    return Decision.allow(
        Reason("ratings.accepted", f"评价：{level.zh}", (RATING_POLICY,), {"level": level.value})
    )


def remedy_due_on(rated_on: date, working_days: int, calendar: HolidayCalendar) -> date:
    """The last day to verify, call back and fix a bad rating: ``working_days`` working
    days after the rating day (the day itself not counted).

    The national deadline is not settled [U]; localities use 2, 5, 7 or 15 working days
    (RULES.md §7), so the number is a setting (default 5). ``working_days`` 0 means the
    same day. Raises ValueError below 0.
    """
    if working_days < 0:
        raise ValueError("working_days must be >= 0")
    d = rated_on
    left = working_days
    while left > 0:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            left -= 1
    return d


# --- the remedy workflow (docs/decisions/0022) ---------------------------------------------

REMEDY_STATE_ZH = {
    RemedyState.OPEN: "待分派",
    RemedyState.ASSIGNED: "已分派",
    RemedyState.CONTACTED: "已联系",
    RemedyState.FIXED: "已整改",
    RemedyState.RETURN_VISITED: "已回访",
    RemedyState.CLOSED: "已办结",
}
RemedyAction = Literal["contact", "fix", "return_visit", "close"]
# Each step: the state it starts from and the state it leads to.
REMEDY_STEPS: dict[str, tuple[RemedyState, RemedyState]] = {
    "contact": (RemedyState.ASSIGNED, RemedyState.CONTACTED),
    "fix": (RemedyState.CONTACTED, RemedyState.FIXED),
    "return_visit": (RemedyState.FIXED, RemedyState.RETURN_VISITED),
    "close": (RemedyState.RETURN_VISITED, RemedyState.CLOSED),
}
STEP_ZH = {"contact": "联系核实", "fix": "整改", "return_visit": "回访", "close": "办结"}
CITIZEN_ANSWERS = {"satisfied": "满意", "not_satisfied": "不满意"}
REMEDY_BASIS = (
    RATING_POLICY + "：差评核实、回访、整改，实名差评回访整改率100%",
    RATING_STANDARD + " §9 差评处置",
)


@dataclass(frozen=True)
class RemedyPolicy:
    """The "1-5-15" rule in working days, counted from the day of the rating (that day not
    counted; ``kernel.calendar.HolidayCalendar`` knows holidays and 调休):

    - ``contact_days`` (1): verify and reach the citizen. [U] No national or Inner Mongolia
      text with this number was read; it is the issue's rule, and Baotou's "办不成事" window
      answers an ordinary matter within 2 working days (RULES.md §7).
    - ``ordinary_days`` (5): fix an ordinary matter and tell the citizen. [S] 德州, 城关镇,
      达拉特旗 (RULES.md §7: "5 working days").
    - ``complex_days`` (15): fix a complex matter (the officer marks it complex when making
      contact). [S] a Sichuan city plan; 澄江, Yunnan (RULES.md §7: "15 working days").

    The national text's own deadline is [U] (RULES.md §9 question 8), hence settings.
    """

    contact_days: int = 1
    ordinary_days: int = 5
    complex_days: int = 15


@dataclass(frozen=True)
class RemedyDeadlines:
    contact_due_on: date  # contacted by the end of this day
    due_on: date  # fixed, called back and closed by the end of this day


def remedy_deadlines(
    rated_on: date, policy: RemedyPolicy, calendar: HolidayCalendar, *, complex_matter: bool
) -> RemedyDeadlines:
    """The per-step due dates of a remedy (``RemedyPolicy``): contact by ``contact_due_on``;
    fix, return visit and closing all by ``due_on`` ("整改并反馈" within the fixing period,
    as the localities write it). Both are the end of that day in the city's zone."""
    days = policy.complex_days if complex_matter else policy.ordinary_days
    return RemedyDeadlines(
        contact_due_on=remedy_due_on(rated_on, policy.contact_days, calendar),
        due_on=remedy_due_on(rated_on, days, calendar),
    )


def step_due_on(action: str, deadlines: RemedyDeadlines) -> date:
    """The due date of one step: contact by the contact deadline, the rest by ``due_on``."""
    return deadlines.contact_due_on if action == "contact" else deadlines.due_on


def step_allowed(state: RemedyState, action: str) -> Decision:
    """Whether ``action`` may be taken on a remedy in ``state``: the steps go in order,
    one at a time, and a closed remedy stays closed."""
    if action not in REMEDY_STEPS:
        return Decision.refuse(
            Reason("ratings.remedy_step_unknown", "未知的整改步骤", (RATING_STANDARD,))
        )
    start, _ = REMEDY_STEPS[action]
    if state != start:
        return Decision.refuse(
            Reason(
                "ratings.remedy_state_conflict",
                f"当前整改状态为“{REMEDY_STATE_ZH[state]}”，不能进行“{STEP_ZH[action]}”",
                REMEDY_BASIS,
                {"state": state.value, "action": action, "expected_state": start.value},
            )
        )
    return Decision.allow(Reason("ratings.remedy_step", STEP_ZH[action], REMEDY_BASIS))


ESCALATION_STEPS = ("contact", "close")


def overdue_steps(
    state: RemedyState, deadlines: RemedyDeadlines, today: date
) -> list[tuple[str, date]]:
    """The steps a remedy has let pass their due date as of ``today`` (city date): "contact"
    when it is still assigned after ``contact_due_on``, "close" when it is not closed after
    ``due_on``. A step is overdue from the day after its due date."""
    out: list[tuple[str, date]] = []
    if state in (RemedyState.OPEN, RemedyState.ASSIGNED) and today > deadlines.contact_due_on:
        out.append(("contact", deadlines.contact_due_on))
    if state != RemedyState.CLOSED and today > deadlines.due_on:
        out.append(("close", deadlines.due_on))
    return out


# The step a remedy waits for in each state (none while unassigned or once closed).
NEXT_STEP: dict[RemedyState, str] = {start: action for action, (start, _) in REMEDY_STEPS.items()}


def next_step(state: RemedyState) -> str | None:
    """The step the remedy waits for: "contact" when assigned, … "close" when called back;
    None while it has no unit yet (open) and once closed."""
    return NEXT_STEP.get(state)


def working_days_left(today: date, due_on: date, calendar: HolidayCalendar) -> int:
    """Working days from ``today`` (city date) to the end of ``due_on``, counted as
    ``remedy_due_on`` counts them (today itself not counted): 0 is "due today", 2 "two
    working days left". Past the due date the answer is negative: minus the working days
    since it (at least -1, so a due date passed over a weekend still reads as overdue)."""
    if today <= due_on:
        return sum(
            1
            for n in range(1, (due_on - today).days + 1)
            if calendar.is_working_day(today + timedelta(days=n))
        )
    late = sum(
        1
        for n in range(1, (today - due_on).days + 1)
        if calendar.is_working_day(due_on + timedelta(days=n))
    )
    return -max(1, late)


def closed_on_time(closed_on: date | None, due_on: date) -> bool:
    """A remedy closed by the end of its due date (closed_on in the city's zone)."""
    return closed_on is not None and closed_on <= due_on


# --- the rating link -----------------------------------------------------------------------

LinkState = Literal["usable", "used", "expired"]


def link_state(expires_at: datetime, used_at: datetime | None, now: datetime) -> LinkState:
    """A rating link works once, until it expires (GB/T 39734-2020 "一次一评": one rating per
    application). A used link stays "used" after its expiry (the clearer answer)."""
    if used_at is not None:
        return "used"
    if now >= expires_at:
        return "expired"
    return "usable"


# --- published indicators ------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``, or None when there is nothing to divide by (never 0 %
    of nothing)."""
    if denominator == 0:
        return None
    return numerator / denominator
