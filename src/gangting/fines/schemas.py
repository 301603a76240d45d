"""Answers about penalty decisions: what is owed today, and the late-fee pauses."""

from __future__ import annotations

from pydantic import Field

from gangting.web.openapi import Answer, IsoDate


class AmountView(Answer):
    """One penalty decision and what it costs today (fine + late fee, capped at the fine)."""

    decision_no: str = Field(description="处罚决定书编号")
    fine_fen: int = Field(description="罚款（分）")
    late_fee_fen: int = Field(description="加处罚款（分）")
    days_late: int = Field(description="逾期天数")
    late_fee_capped: bool = Field(description="加处罚款已达罚款数额（上限）")
    total_fen: int = Field(description="应缴合计（分）")
    total_display: str = Field(description="应缴合计（元），如 ¥200.00")
    due_on: IsoDate = Field(description="缴款期限")
    state: str = Field(description="unpaid | paid")


class PausePeriod(Answer):
    """One review or litigation period with its case number (案号)."""

    start: IsoDate = Field(description="开始日期")
    end: IsoDate | None = Field(description="结束日期（为空：尚未结束）")
    case_no: str | None = Field(description="行政复议或诉讼案号（早期登记的期间为空）")
    kind: str | None = Field(
        description="review 行政复议 | litigation 行政诉讼 | deferral 暂缓缴纳（案号为申请编号）"
    )


class LateFeePauseAnswer(AmountView):
    pauses: list[tuple[IsoDate, IsoDate | None]] = Field(
        description="复议/诉讼期间 [开始, 结束]（结束为空：尚未结束）"
    )
    periods: list[PausePeriod] = Field(description="复议/诉讼期间及其案号（与 pauses 同序）")
    legal_basis: list[str]
