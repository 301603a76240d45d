"""The answers of ratings, rating links, remedies and the published indicators."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gangting.web.openapi import Answer, Id, IsoDate, IsoDateTime, ReasonView

RemedyStateName = Literal["open", "assigned", "contacted", "fixed", "return_visited", "closed"]


class RemedyView(Answer):
    state: RemedyStateName = Field(description="整改状态（新差评即分派给岗亭所属单位：assigned）")
    due_on: IsoDate = Field(description="整改、回访、办结期限")
    contact_due_on: IsoDate | None = Field(description="联系核实期限")


class RatingAnswer(Answer):
    rating_id: Id
    receipt_no: str | None = Field(description="受理编号")
    level: int = Field(description="5 非常满意 … 1 非常不满意")
    level_name: str = Field(description="very_satisfied | satisfied | basic | …")
    level_zh: str
    remedy: RemedyView | None = Field(description="差评生成的整改记录（非差评：空）")
    reasons: list[ReasonView]


class LevelView(Answer):
    level: int
    level_name: str
    level_zh: str
    bad: bool = Field(description="差评（须说明原因）")


class LinkView(Answer):
    state: Literal["usable", "used", "expired"] = Field(description="链接可用、已使用、已过期")
    receipt_no: str
    service_item: str
    service_zh: str
    application_state: str = Field(description="completed | refused")
    booth_name: str
    handled_on: IsoDate
    expires_on: IsoDate
    levels: list[LevelView]


class RemedyDetail(Answer):
    remedy_id: Id
    state: RemedyStateName
    state_zh: str
    org_unit: str | None = Field(description="责任单位代码")
    org_unit_name: str | None
    booth: str | None
    booth_name: str | None
    receipt_no: str | None
    service_item: str | None = Field(description="所评办件的业务（无办件的评价：空）")
    service_zh: str | None = Field(description="业务（中文）")
    level: int
    level_zh: str = Field(description="不满意 | 非常不满意")
    reason: str | None = Field(description="差评原因")
    channel: str = Field(description="kiosk（岗亭屏幕）| link（回执链接）")
    rated_at: IsoDateTime
    complex_matter: bool = Field(description="复杂事项（整改期限按复杂事项计）")
    contact_due_on: IsoDate
    due_on: IsoDate
    next_step: Literal["contact", "fix", "return_visit", "close"] | None = Field(
        description="待办步骤（待分派、已办结：空）"
    )
    next_step_zh: str | None
    next_due_on: IsoDate | None = Field(
        description="待办步骤的期限（联系核实按联系期限，其余按整改期限）"
    )
    working_days_left: int | None = Field(
        description="距待办步骤期限的工作日数：0 今日到期，负数为已逾期的工作日数（已办结：空）"
    )
    opened_at: IsoDateTime
    assigned_at: IsoDateTime | None
    contacted_at: IsoDateTime | None
    fixed_at: IsoDateTime | None
    return_visited_at: IsoDateTime | None
    closed_at: IsoDateTime | None
    citizen_answer: Literal["satisfied", "not_satisfied"] | None
    result: str | None
    overdue: bool = Field(description="有步骤已逾期")
    overdue_steps: list[str] = Field(description="已逾期的步骤：contact | close")
    escalated: bool
    escalated_at: IsoDateTime | None


class RemedyStepView(Answer):
    action: str = Field(
        description="opened | assigned | contacted | fixed | return_visited | closed | escalated"
    )
    action_zh: str
    at: IsoDateTime
    by: str = Field(description="办理人（民警姓名；系统）")
    note: str | None = Field(description="情况说明")
    detail: str | None = Field(description="期限、评价人意见、升级等补充")


class RemedyWithHistory(RemedyDetail):
    history: list[RemedyStepView] = Field(description="办理经过（审计账本），最早在前")


class RemedyList(Answer):
    remedies: list[RemedyDetail]


class IndicatorView(Answer):
    key: str = Field(description="岗亭编号、大队代码或月份 YYYY-MM")
    label: str
    applications: int = Field(description="办件数")
    ratings: int = Field(description="评价数")
    good: int = Field(description="好评数（满意、非常满意）")
    bad: int = Field(description="差评数（不满意、非常不满意）")
    remedies_closed: int = Field(description="已办结的差评整改数")
    remedies_on_time: int = Field(description="按期办结的差评整改数")
    rating_rate: float | None = Field(description="评价率 = 评价数 / 办件数")
    good_rate: float | None = Field(description="好评率 = 好评数 / 评价数")
    fix_rate: float | None = Field(description="差评整改率 = 已办结整改数 / 差评数")
    on_time_rate: float | None = Field(description="按期整改率 = 按期办结数 / 已办结整改数")


class IndicatorList(Answer):
    by: Literal["booth", "brigade", "month"]
    start: IsoDate
    end: IsoDate
    rows: list[IndicatorView]
    formulas: dict[str, str]
