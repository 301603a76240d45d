"""Answers of the desks' routes: what a citizen sees at the booth, the answers of the booth
transactions (each an application: receipt number, state, reasons, legal basis, and the
transaction's own result), payments, and what supervisors read."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gangting.fines.schemas import AmountView
from gangting.vehicles.rules import InspectionAction
from gangting.web.openapi import Answer, ErrorBody, IsoDate, IsoDateTime, ReasonView

# --- what a verified citizen sees -------------------------------------------------------------


class LicenceView(Answer):
    effective_status: str = Field(
        description=(
            "今日的状态：valid | expired | cancellation_due | health_cancellation_due"
            " | detained | …"
        )
    )
    effective_status_text: str
    licence_no_masked: str = Field(description="驾驶证号（脱敏）")
    classes: list[str] = Field(description="准驾车型，如 C1")
    first_issued_on: IsoDate
    validity: str = Field(description="six_years | ten_years | long_term")
    validity_text: str
    valid_from: IsoDate
    expires_on: IsoDate | None = Field(description="有效期至（长期：空）")
    status: str = Field(description="登记的状态")
    learner_until: IsoDate | None = Field(description="实习期至")
    serial_no: int = Field(description="证件序号（补领后递增，旧证作废）")


class PointsView(Answer):
    cycle_start: IsoDate
    cycle_end: IsoDate
    total: int = Field(description="本记分周期累积记分")
    deducted: int = Field(description="本周期已学法减分")
    legal_basis: list[str]


class LicenceSummary(Answer):
    licence: LicenceView | None = Field(description="驾驶证（无驾驶证：空）")
    points: PointsView | None


class DecisionRef(Answer):
    decision_no: str
    state: str = Field(description="unpaid | paid")


class ViolationRow(Answer):
    ref: str = Field(description="违法记录编号")
    code: str = Field(description="违法代码")
    description: str
    occurred_at: IsoDateTime
    place: str
    plate: str
    points: int
    state: str = Field(description="unprocessed | decided")
    processable_at_booth: bool = Field(description="可在岗亭处理（简易程序、电子监控）")
    decision: DecisionRef | None = Field(description="处罚决定（未处理：空）")


class MyViolations(Answer):
    violations: list[ViolationRow] = Field(description="未处理的违法记录")
    unpaid_decisions: list[AmountView] = Field(description="未缴罚款（含今日的加处罚款）")


class MyVehicles(Answer):
    plates: list[str] = Field(description="本人名下机动车号牌")


class InspectionView(Answer):
    valid_until: IsoDate = Field(description="检验有效期至")
    overdue: bool
    action: InspectionAction = Field(
        description="apply_mark 免检申领标志 | onsite_inspection 上线检验"
    )
    window_opens_on: IsoDate = Field(description="可申领/检验的起始日")
    reasons: list[ReasonView]


class VehicleSummary(Answer):
    plate: str
    kind: str
    use: str
    status: str
    compulsory_insurance_until: IsoDate = Field(description="交强险有效期至")
    inspection: InspectionView
    violations: list[ViolationRow]


# --- booth transactions: every answer is an application --------------------------------------


class ApplicationAnswer(Answer):
    receipt_no: str = Field(description="受理编号（打印回执、评价用）")
    application_no: str = Field(description="办件编号（同受理编号）")
    ledger_entry: str = Field(description="审计账本条目编号（回执可凭此核验）")
    service_item: str
    state: Literal["completed"]
    reasons: list[ReasonView]
    legal_basis: list[str]
    rating_link: str | None = Field(
        default=None, description="好差评链接（一次有效，印在回执上；只在办结时给出一次）"
    )


class LicenceAnswer(ApplicationAnswer):
    """Renewal and replacement: the licence as it now stands."""

    licence: LicenceView


class HealthCertificateAnswer(ApplicationAnswer):
    certificate_no: str
    cycle_end: IsoDate = Field(description="所对应的记分周期截止日")


class StudyDeductionAnswer(ApplicationAnswer):
    points_deducted: int
    points_this_cycle: int
    deducted_this_cycle: int


class FullScoreClearanceAnswer(ApplicationAnswer):
    """满分学习、考试合格且罚款已缴纳：记分清除，驾驶证发还 (记分办法 第23条)."""

    points_cleared: int = Field(description="清除的记分")
    points_this_cycle: int = Field(description="清除后本周期累积记分")
    licence_returned: bool = Field(description="驾驶证已发还（同时暂扣的，暂扣期满后发还）")
    licence: LicenceView


class CognitiveTestAnswer(ApplicationAnswer):
    """70周岁以上驾驶人的记忆力、判断力、反应力能力测试结果已登记 (驾驶证规定 第73条第3款)."""

    test_ref: str
    taken_on: IsoDate
    passed: bool
    source: Literal["device", "operator"]


class InspectionMark(Answer):
    mark_no: str = Field(description="电子检验合格标志编号")
    plate: str
    vehicle_kind: str
    valid_until: str = Field(description="检验有效期至（年-月）", examples=["2027-11"])
    issued_on: IsoDate
    issuer: str
    title: str
    legal_note: str


class InspectionMarkAnswer(ApplicationAnswer):
    mark: InspectionMark


class ReissuedMark(InspectionMark):
    replaces: str | None = Field(description="被替换的标志编号（原标志作废）")
    reissue_reason: Literal["lost", "damaged"] = Field(description="lost 丢失/灭失 | damaged 损毁")


class MarkReissueAnswer(ApplicationAnswer):
    """补领、换领检验合格标志 (登记规定 第57条)."""

    mark: ReissuedMark


class PlannedDecision(Answer):
    """A penalty decision as processing would make it."""

    violation_ref: str
    code: str
    description: str
    points: int
    fine_fen: int
    fine_display: str
    due_on: IsoDate = Field(description="缴款期限")
    outcome: Literal["penalty", "no_penalty"] = Field(
        description="penalty 处罚 | no_penalty 不予行政处罚（首违不罚：不罚款、不记分，予以教育）"
    )
    outcome_text: str
    legal_basis: list[str]


class MadeDecision(PlannedDecision):
    decision_no: str = Field(description="处罚决定书编号")


class CycleView(Answer):
    start: IsoDate
    end: IsoDate


class DriverReviewAnswer(ApplicationAnswer):
    """审验办结 (驾驶证规定 第72–73条)."""

    cycle: CycleView = Field(description="所审验的记分周期")
    due_by: IsoDate = Field(description="审验期限（记分周期结束后三十日）")
    study_minutes: int = Field(description="审验教育学习时长（分钟）")
    cognitive_test_ref: str | None = Field(description="三力测试记录（70周岁以上）")


class FullScoreView(Answer):
    study_days: int = Field(description="满分教育学习天数")
    exams: list[str]
    licence_detained: Literal[True]


class ProcessingSummary(Answer):
    points_this_cycle: int = Field(description="处理后本周期累积记分")
    cycle: CycleView
    total_fine_fen: int
    full_score: FullScoreView | None = Field(description="处理后达到12分的后果（未达到：空）")
    learner_class_cancelled: bool = Field(
        default=False,
        description="实习期内违法记满12分，注销实习的准驾车型驾驶资格（驾驶证规定 第80条）",
    )


class ViolationPreview(ProcessingSummary):
    decisions: list[PlannedDecision]
    points_before: int
    processable: bool = Field(description="全部可在岗亭处理（否则见 refusals）")
    refusals: list[ErrorBody] = Field(description="不予处理的记录及其理由与法律依据")
    late_fee_notice: str
    reasons: list[ReasonView]
    legal_basis: list[str]


class ProcessAnswer(ApplicationAnswer, ProcessingSummary):
    decisions: list[MadeDecision]


# --- payments ----------------------------------------------------------------------------------


class PaymentItem(Answer):
    decision_no: str
    instalment_no: str | None = Field(description="分期缴纳的期款编号（整笔缴纳：空）")
    fine_fen: int
    late_fee_fen: int
    days_late: int


class PaymentView(Answer):
    payment_no: str
    state: Literal["pending", "succeeded", "declined", "failed"]
    state_text: str
    amount_fen: int
    amount_display: str
    receipt_no: str | None = Field(description="缴款回执编号（缴款成功后）")
    application_no: str | None
    failure: str | None = Field(description="未成功的原因")
    items: list[PaymentItem]
    legal_basis: list[str]
    notice: str | None = Field(
        default=None, description="缴款平台的提示（仅待确认时，可能没有此项）"
    )
    rating_link: str | None = Field(
        default=None, description="好差评链接（一次有效，印在回执上；缴款成功时给出一次）"
    )


# --- supervision -------------------------------------------------------------------------------


class ApplicationRow(Answer):
    receipt_no: str
    service_item: str
    state: str = Field(description="completed | refused | pending")
    booth_code: str
    created_at: IsoDateTime
    legal_basis: list[str]


class ApplicationList(Answer):
    applications: list[ApplicationRow]


class AuditEntryView(Answer):
    at: IsoDateTime
    actor_kind: Literal["booth", "staff", "system"]
    actor_id: str = Field(description="岗亭或人员编号（系统：system）")
    action: str
    subject_kind: str
    subject_id: str
    reason: str | None
    data: dict[str, Any]


class AuditEntries(Answer):
    entries: list[AuditEntryView]


class CitizenLookup(Answer):
    id_number: str
    name: str
    phone: str | None
    masked: bool = Field(description="已脱敏（reveal=true 且督察及以上：不脱敏）")


class QuoteItem(Answer):
    kind: Literal["violation", "decision"] = Field(
        description="violation 待处理违法 | decision 已作出的处罚决定"
    )
    violation_ref: str | None = Field(default=None, description="违法记录编号（kind=violation）")
    decision_no: str | None = Field(default=None, description="处罚决定书编号（kind=decision）")
    fine_fen: int
    late_fee_fen: int = Field(description="截至今日的加处罚款")
    total_fen: int


class PaymentQuote(Answer):
    """What the citizen is about to pay, priced by the centre (the kiosk only shows it)."""

    items: list[QuoteItem]
    total_fen: int
    total_display: str = Field(description="如 680.00元")
