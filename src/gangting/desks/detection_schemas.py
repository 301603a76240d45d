"""Answers of the detection cases' routes (issue 11 §3)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.web.openapi import Answer, Id, IsoDateTime


class CaseReason(Answer):
    """Why the case was raised, with the numbers a supervisor can check by hand."""

    code: str = Field(description="理由代码，如 points.many_owners、operations.outlier.refusals")
    message: str = Field(description="中文说明（含数字与阈值）")
    numbers: dict[str, Any] = Field(description="说明中的数字（计数、比率、阈值）")
    legal_basis: list[str] = Field(description="法律依据（如 记分办法 第30条），无则为空")


class CaseView(Answer):
    id: Id
    pattern: str = Field(
        description="points.many_owners | points.dense_block | points.repeat_taker | "
        "agents.shared_phone | agents.identity_hopping | operations.off_hours | "
        "operations.outlier"
    )
    pattern_zh: str = Field(description="线索类型（中文）")
    subject_kind: str = Field(description="citizen | block | phone | booth | staff")
    subject_id: str = Field(description="对象标识（公民为内部编号，手机号为摘要，岗亭为编号）")
    subject_label: str = Field(description="对象（涉及个人的已脱敏）")
    unit_path: str = Field(description="负责核查的单位（跨单位时为全市）")
    score: float = Field(description="强度：超过阈值的倍数，或密度、稳健z值")
    reasons: list[CaseReason]
    evidence: dict[str, list[str]] = Field(
        description="依据的记录：decisions 决定书号、violations 违法编号、plates 号牌、"
        "citizens 公民（脱敏）、booths 岗亭、applications 受理编号、audit_entries 审计条目"
    )
    state: str = Field(description="open 待核查 | confirmed 属实 | false_alarm 误报")
    verdict_by: Id | None = Field(description="结论人员")
    verdict_at: IsoDateTime | None
    verdict_note: str | None = Field(description="结论说明")
    first_seen_at: IsoDateTime
    last_seen_at: IsoDateTime = Field(description="最近一次检测仍发现的时间")


class CaseList(Answer):
    cases: list[CaseView]


class VerdictAnswer(CaseView):
    ledger_entry: Id = Field(description="结论的审计账本条目")
