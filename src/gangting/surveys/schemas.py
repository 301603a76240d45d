"""Answers of the survey API: the survey as a screen shows it, a recorded sheet, an import,
the list of surveys and the analysis per scale."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.web.openapi import Answer, Id


class ScaleName(Answer):
    code: str = Field(description="量表（构念）代码")
    name: str = Field(description="量表名称")


class ItemView(Answer):
    code: str
    text: str = Field(description="题目（中文）")
    scale: str = Field(description="所属量表")
    reverse: bool = Field(description="反向题：计分为 (最小值+最大值)−原始分")
    min: int
    max: int
    labels: dict[str, str] = Field(description="各等级的文字，如 1 非常不同意 … 5 非常同意")


class SectionView(Answer):
    code: str
    title: str
    items: list[ItemView]


class SurveyView(Answer):
    code: str
    version: int
    title: str
    intro: str
    source: str = Field(description="题目设计来源")
    scales: list[ScaleName]
    sections: list[SectionView]


class SurveySummary(Answer):
    code: str
    version: int
    title: str
    items: int
    scales: list[ScaleName]
    responses: int = Field(description="已收答卷数")


class SurveyList(Answer):
    surveys: list[SurveySummary]


class ResponseRecorded(Answer):
    response_id: Id
    survey: str
    version: int
    channel: str = Field(description="kiosk | link | import")
    answered: int = Field(description="作答题数")
    message: str


class ImportDone(Answer):
    import_id: Id
    survey: str
    version: int
    rows: int = Field(description="导入的答卷数")
    sha256: str
    message: str


class ScaleAnalysis(Answer):
    scale: str
    name: str
    items: list[str]
    reverse_items: list[str]
    complete_responses: int
    alpha: dict[str, Any] = Field(description="Cronbach α 及 Feldt 95% 置信区间，或无法计算的原因")
    kmo: dict[str, Any]
    bartlett: dict[str, Any]
    descriptives: list[dict[str, Any]] = Field(description="各题：n、均值、标准差、各等级百分比")


class OverallAnalysis(Answer):
    kmo: dict[str, Any]
    bartlett: dict[str, Any]
    efa: dict[str, Any] = Field(description="探索性因子分析（主轴法，varimax 旋转）")
    cfa: dict[str, Any] = Field(description="验证性因子分析（semopy，最大似然）")


class SurveyAnalysis(Answer):
    survey: str
    version: int
    title: str
    responses: int
    complete_responses: int
    scoring: str
    scales: list[ScaleAnalysis]
    overall: OverallAnalysis
