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


class TrailApplication(Answer):
    receipt_no: str = Field(description="受理编号")
    named: bool = Field(description="线索所列的记录（否：对象本人的其他办件）")
    at: IsoDateTime = Field(description="受理时间")
    booth_code: str | None
    booth_name: str | None
    operator: str | None = Field(description="经办：岗亭自助或工作人员")
    service_item: str
    service_zh: str = Field(description="业务（中文）")
    state: str = Field(description="completed | refused | pending")
    state_zh: str = Field(description="办理结果（中文）")
    citizen: str | None = Field(description="办理人（脱敏）")


class TrailDecision(Answer):
    decision_no: str = Field(description="决定书编号")
    at: IsoDateTime = Field(description="决定时间")
    violation_ref: str
    plate: str = Field(description="号牌")
    points: int = Field(description="记分")
    point_entry: bool = Field(description="是否已记入记分账")
    point_cycle_start: str | None = Field(description="记分周期起始日")
    points_recorded_at: IsoDateTime | None
    fine_display: str = Field(description="罚款，如 200.00元")
    booth_code: str | None
    booth_name: str | None
    driver: str | None = Field(description="接受处理的驾驶人（脱敏）")
    owner: str | None = Field(description="机动车所有人（脱敏）")
    driver_is_owner: bool


class TrailRefusal(Answer):
    code: str
    message: str


class TrailIdentityCheck(Answer):
    entry_id: Id = Field(description="审计条目")
    named: bool = Field(description="线索所列的记录（否：对象本人的其他核验）")
    at: IsoDateTime
    booth_code: str | None
    booth_name: str | None
    citizen: str | None = Field(description="核验对象（脱敏）")
    passed: bool = Field(description="核验通过（identity.verified）或未通过")
    face_distance: float | None = Field(description="人脸特征距离（越小越像）")
    face_threshold: float | None = Field(description="岗亭使用的距离阈值")
    face_score: float | None = Field(description="旧式比对分（0–1）")
    liveness_passed: bool | None = Field(description="活体（转头）检测结果")
    max_abs_yaw: float | None = Field(description="转头最大角度（度）")
    turn_deg: float | None = Field(description="要求的转头角度（度）")
    card_source: str | None = Field(description="chip 芯片 | ocr 证件正面识别")
    refusals: list[TrailRefusal] = Field(description="未通过的原因")


class TrailAuditEntry(Answer):
    entry_id: Id
    at: IsoDateTime
    actor_kind: str
    actor: str = Field(description="操作者（工作人员、岗亭或系统）")
    booth_code: str | None
    booth_name: str | None
    action: str
    subject_kind: str
    subject_id: str
    reason: str | None


class CaseTrail(Answer):
    """A case with its evidence resolved into readable rows."""

    case: CaseView
    applications: list[TrailApplication]
    decisions: list[TrailDecision]
    identity_checks: list[TrailIdentityCheck]
    audit_entries: list[TrailAuditEntry]
    missing: dict[str, list[str]] = Field(description="案件列出但已查不到的记录编号，按类别")
