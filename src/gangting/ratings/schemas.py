"""The answer to a rating: the level, its reasons, and the remedy a bad review opens."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gangting.web.openapi import Answer, Id, IsoDate, ReasonView


class RemedyView(Answer):
    state: Literal["open"] = Field(description="整改状态")
    due_on: IsoDate = Field(description="整改期限")


class RatingAnswer(Answer):
    rating_id: Id
    receipt_no: str | None = Field(description="受理编号")
    level: int = Field(description="5 非常满意 … 1 非常不满意")
    level_name: str = Field(description="very_satisfied | satisfied | basic | …")
    level_zh: str
    remedy: RemedyView | None = Field(description="差评生成的整改记录（非差评：空）")
    reasons: list[ReasonView]
