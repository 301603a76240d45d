"""Violation rules, pure: the first minor offence (首违不罚/轻微免罚).

行政处罚法 第33条第1款: "初次违法且危害后果轻微并及时改正的，可以不予行政处罚". A province
publishes the acts it treats so (a list of violation codes); a driver's first act of a listed
code within the list's period, with no harm recorded, is not penalised: the outcome is a
decision of **no penalty** (不予行政处罚), with education (第33条第3款), no fine and no points.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gangting.kernel import law
from gangting.kernel.decision import Decision, Reason

FIRST_OFFENCE_BASIS = law.cite(law.PENALTY_LAW, "第33条第1款")
EDUCATION_BASIS = law.cite(law.PENALTY_LAW, "第33条第3款")
# Points go with a penalty decision (记分办法 第13条); a warning for a minor act takes none
# (第28条). A decision of no penalty is neither, so it records no points.
NO_POINTS_BASIS = (law.cite(law.SCORING, "第13条"), law.cite(law.SCORING, "第28条"))


@dataclass(frozen=True)
class FirstOffenceList:
    """The province's list: the eligible codes and the look-back period in days in which the
    act must be the driver's first of that code. ``example``: not an official list."""

    codes: frozenset[str]
    period_days: int
    source: str
    example: bool = False

    @classmethod
    def from_json(cls, text: str) -> FirstOffenceList:
        data: dict[str, Any] = json.loads(text)
        codes = [str(item["code"]).strip() for item in data["codes"]]
        period = int(data["period_days"])
        if period < 1 or not all(codes):
            raise ValueError("first-offence list: period_days >= 1 and non-blank codes")
        return cls(frozenset(codes), period, str(data.get("source", "")), bool(data["example"]))


def first_offence(
    code: str,
    occurred_at: datetime,
    earlier: Iterable[datetime],
    *,
    harm_recorded: bool,
    listed: FirstOffenceList,
) -> Decision:
    """May this act go unpunished as a first minor offence?

    Source: 行政处罚法 第33条第1款 (初次违法且危害后果轻微并及时改正的，可以不予行政处罚) and
    第33条第3款 (不予行政处罚的，应当对当事人进行教育); the eligible acts are the province's
    list (``listed``). Allowed when all three hold:

    - ``code`` is on the list;
    - no act of the same code by the same driver occurred in the ``listed.period_days`` days
      before ``occurred_at`` (``earlier``: the driver's other acts of this code, any state;
      an act at or after ``occurred_at`` does not count; one exactly ``period_days`` before
      does);
    - no harm is recorded for the act (危害后果轻微).

    A camera-recorded act has ended when recorded: it is corrected (及时改正) in the sense of
    the list, which names only such acts. Allowed: the reasons say why, with education and
    why no points are recorded. Refused: each failing condition is a reason.
    """
    refusals: list[Reason] = []
    if code not in listed.codes:
        refusals.append(
            Reason(
                "violations.first_offence_not_listed",
                "该违法行为不在首违不罚清单内",
                (FIRST_OFFENCE_BASIS,),
                {"code": code},
            )
        )
    since = occurred_at - timedelta(days=listed.period_days)
    before = sorted(at for at in earlier if since <= at < occurred_at)
    if before:
        refusals.append(
            Reason(
                "violations.first_offence_not_first",
                f"{listed.period_days}日内已有同一违法行为，不属于初次违法",
                (FIRST_OFFENCE_BASIS,),
                {"earlier_at": before[-1].isoformat(), "period_days": listed.period_days},
            )
        )
    if harm_recorded:
        refusals.append(
            Reason(
                "violations.first_offence_harm",
                "该违法行为记录有危害后果，不适用首违不罚",
                (FIRST_OFFENCE_BASIS,),
            )
        )
    if refusals:
        return Decision.refuse(*refusals)
    return Decision.allow(
        Reason(
            "violations.first_offence",
            "初次违法且危害后果轻微并已改正，依法不予行政处罚，不罚款",
            (FIRST_OFFENCE_BASIS,),
            {"code": code, "period_days": listed.period_days},
        ),
        Reason(
            "violations.first_offence_education",
            "对不予行政处罚的违法行为予以教育：请遵守交通法规，再次违法将依法处罚",
            (EDUCATION_BASIS,),
        ),
        Reason(
            "points.not_recorded_without_penalty",
            "不予行政处罚，不记分（记分随处罚决定作出）",
            NO_POINTS_BASIS,
        ),
    )
