"""Rating rules (政务服务"好差评", shared/domain/RULES.md §7). Pure: stdlib + kernel only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.decision import Decision, Reason


class RemedyState(StrEnum):
    """A bad rating's remedy record: open -> closed."""

    OPEN = "open"
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
