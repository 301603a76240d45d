"""The shapes the booth node and the centre share: the request base and the bodies of the
booth's business calls. Both sides import this module (pydantic and the pure rules' bounds
only), so the node never loads the centre's routes or services to build a request (decision
0008)."""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Request(BaseModel):
    """Shared request-model base: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProcessViolations(Request):
    violation_refs: list[str] = Field(
        min_length=1, max_length=50, description="要处理的违法记录编号"
    )


class StartPayment(Request):
    decision_nos: list[str] = Field(min_length=1, max_length=50)
    payer_code: str = Field(min_length=1, max_length=64, description="缴款终端读取的付款码")


class Certificate(Request):
    certificate_no: str = Field(min_length=4, max_length=40, description="身体条件证明编号")
    institution: str = Field(min_length=2, max_length=128, description="出具机构")
    issued_on: date


class Renewal(Request):
    health_certificate: Certificate


class Replacement(Request):
    reason: str = Field(default="lost", pattern="^(lost|damaged)$")


class StudyDeductionRequest(Request):
    study_ref: str = Field(min_length=4, max_length=64, description="学习平台的学习记录编号")


class MarkRequest(Request):
    plate: str = Field(min_length=7, max_length=12, description="号牌号码，如 蒙B·12345")


class MarkReissueRequest(Request):
    plate: str = Field(min_length=7, max_length=12, description="号牌号码，如 蒙B·12345")
    reason: str = Field(
        default="lost", pattern="^(lost|damaged)$", description="lost 丢失/灭失 | damaged 损毁"
    )


class CognitiveTestRequest(Request):
    test_ref: str = Field(min_length=4, max_length=64, description="测试设备的三力测试记录编号")


class PaymentQuoteRequest(Request):
    """What the citizen is about to pay: violations still to be processed and decisions
    already made. The centre prices both; the kiosk only shows the answer."""

    violation_refs: list[str] = Field(default_factory=list, max_length=50)
    decision_nos: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _something_to_price(self) -> Self:
        if not self.violation_refs and not self.decision_nos:
            raise ValueError("至少需要一项违法记录或处罚决定")
        return self
