"""The guides' JSON answers (public)."""

from __future__ import annotations

from pydantic import Field

from gangting.web.openapi import Answer


class ConditionView(Answer):
    code: str = Field(description="条件编号：不符合时拒绝答复中的错误编号")
    codes: list[str] = Field(description="表示该条件不符合的全部错误编号")
    text: str = Field(description="条件（肯定表述）")
    legal_basis: list[str]
    on_failure: str = Field(description="不符合时的后果与办法")
    url: str = Field(description="公开页面中该条件的位置")


class MaterialView(Answer):
    name: str
    note: str


class StepView(Answer):
    title: str
    text: str


class FeeView(Answer):
    item: str
    text: str
    legal_basis: list[str]
    amount_fen: int | None = Field(description="金额（分）；按标准计算的为空")


class TimeLimitView(Answer):
    item: str
    text: str
    legal_basis: list[str]


class GuideView(Answer):
    business: str = Field(description="业务（办理事项）编号")
    title: str
    summary: str
    applicants: list[str] = Field(description="谁可以申请")
    conditions: list[ConditionView]
    materials: list[MaterialView]
    steps: list[StepView]
    legal_basis: list[str] = Field(description="法律依据（全称及条款）")
    fees: list[FeeView]
    time_limits: list[TimeLimitView]
    channels: list[str] = Field(description="其他办理渠道")
    notes: list[str]
    rules_since: str = Field(description="所依据规则的施行日期")
    effective_on: str = Field(description="本版本施行日期")
    version: str = Field(description="版本：施行日期-内容指纹")
    url: str = Field(description="公开页面")


class GuideSummary(Answer):
    business: str
    title: str
    summary: str
    version: str
    effective_on: str
    url: str
    pdf_url: str


class GuideList(Answer):
    guides: list[GuideSummary]
