"""事故快处 over HTTP (the use cases: desks.accidents). At the booth the two parties, each
identified with ID card and live face at this booth (party 1: the X-Identity-Token; party 2:
``other_identity_token`` in the body), open the settlement, add photos, and either both
confirm the liability (the agreement is issued and delivered) or one disagrees (a referral to
the accident unit). The accident unit's staff list the settlements of their scope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.accidents import service as accident_service
from gangting.accidents.rules import (
    LIABILITY_BASIS,
    PHOTOS_MAX,
    PLACE_MAX_CHARS,
    QUESTIONS,
    TEXT_MAX_CHARS,
    Form,
    Part,
    SettlementState,
    Weather,
)
from gangting.accidents.service import Facts, Photo
from gangting.context import Context
from gangting.contracts import Request
from gangting.desks import accidents, referrals
from gangting.desks.booth_call import BoothCallDep, BoothReadDep
from gangting.desks.referral_routes import ReferralAnswer
from gangting.desks.schemas import ApplicationAnswer
from gangting.web.deps import ActorDep, ContextDep
from gangting.web.openapi import Answer, IsoDate, IsoDateTime, error_responses
from gangting.web.writes import run_read

router = APIRouter(
    prefix="/api/v1/accidents",
    tags=["事故快处 quick accidents"],
    responses=error_responses(401, 403, 404, 422),
)
staff_router = APIRouter(
    prefix="/api/v1/staff/accidents",
    tags=["事故快处 quick accidents"],
    responses=error_responses(401, 403, 422),
)

_QUESTIONS = "；".join(f"{q.code}: {q.question}" for q in QUESTIONS)


class PhotoIn(Request):
    source: Literal["booth_camera", "upload"] = Field(description="岗亭摄像头拍摄 | 当事人上传")
    ref: str = Field(min_length=1, max_length=128, description="证据库中的照片编号")
    sha256: str = Field(min_length=64, max_length=64, description="照片的SHA-256校验值")


class SideIn(Request):
    plate_no: str = Field(min_length=1, max_length=16, description="本方机动车号牌号码")
    insurer: str = Field(max_length=TEXT_MAX_CHARS, description="交强险保险公司（保险标志所载）")
    policy_no: str = Field(max_length=TEXT_MAX_CHARS, description="保险凭证号（保险单号）")
    collision_part: Part = Field(description="碰撞部位")
    phone: str | None = Field(
        default=None, max_length=20, description="联系电话（省略：登记的手机号）"
    )


class OpenSettlement(Request):
    other_identity_token: str = Field(
        min_length=1, max_length=128, description="第2方当事人在本岗亭人证核验取得的身份令牌"
    )
    occurred_at: datetime = Field(description="事故发生时间（带时区）")
    place: str = Field(max_length=PLACE_MAX_CHARS, description="事故地点")
    weather: Weather
    form: Form = Field(description="事故形态")
    answers: dict[str, bool] = Field(description=f"须报警情形逐项回答（是=true）：{_QUESTIONS}")
    parties: list[SideIn] = Field(
        min_length=2, max_length=2, description="双方车辆信息：第1项为本人（X-Identity-Token）"
    )
    photos: list[PhotoIn] = Field(default_factory=list, max_length=PHOTOS_MAX)


class AddPhotos(Request):
    photos: list[PhotoIn] = Field(min_length=1, max_length=PHOTOS_MAX)


class Agree(Request):
    other_identity_token: str = Field(
        min_length=1, max_length=128, description="另一方当事人在本岗亭人证核验取得的身份令牌"
    )
    case: str | None = Field(default=None, max_length=32, description="责任对照表中的情形代码")
    actor_seq: int | None = Field(
        default=None, ge=1, le=2, description="行为属于该情形的一方（1或2）"
    )
    split: list[str] = Field(
        default_factory=list,
        max_length=2,
        description="不选情形时双方协商的责任：[第1方, 第2方]，full|main|equal|minor|none",
    )


class Dispute(Request):
    reason: str = Field(max_length=500, description="争议的事实或者责任（2至500字）")


class PartyView(Answer):
    seq: int
    name: str = Field(description="姓名（脱敏）")
    licence_or_id_no: str = Field(description="驾驶证号或身份证号（脱敏）")
    phone: str = Field(description="联系电话（脱敏）")
    plate_no: str
    vehicle_kind: str
    vehicle_kind_text: str
    insurer: str
    policy_no: str
    collision_part: str
    collision_part_text: str
    liability: str | None = Field(description="full | main | equal | minor | none")
    liability_text: str | None


class PhotoView(Answer):
    source: str
    ref: str | None = Field(description="照片编号（仅民警可见）")
    sha256: str


class DeliveryView(Answer):
    recipient: str = Field(description="party_1 | party_2 | insurer_1 | insurer_2")
    channel: str = Field(description="sms 短信 | insurer 保险公司接口")
    state: str = Field(description="pending 待送达 | sent 已送达")
    address: str = Field(description="手机号（脱敏）或保险公司")


class AgreementView(Answer):
    agreement_no: str
    content_sha256: str = Field(description="协议书内容的SHA-256")
    issued_at: IsoDateTime
    deliveries: list[DeliveryView]


class VehicleFacts(Answer):
    seq: int
    plate_no: str
    insurance_until: IsoDate | None = Field(description="交强险有效期至")
    inspection_valid_until: IsoDate | None = Field(description="检验有效期至")


class SettlementView(Answer):
    settlement_no: str = Field(description="事故快处编号（KC开头）")
    state: str = Field(description="drafted 协商中 | agreed 已达成协议 | referred 已转交警处理")
    state_text: str
    occurred_at: IsoDateTime
    occurred_at_text: str = Field(description="事故时间（本市时间，YYYY-MM-DD HH:MM）")
    place: str
    weather: str
    weather_text: str
    form: str
    form_text: str
    liability_case: str | None
    unit_code: str = Field(description="事故处理单位代码")
    unit_name: str
    parties: list[PartyView]
    photos: list[PhotoView]
    agreement: AgreementView | None
    referral_no: str | None = Field(description="有争议转交警处理时的转办编号")
    created_at: IsoDateTime
    legal_basis: list[str]


class BoothSettlementView(SettlementView):
    vehicles: list[VehicleFacts] = Field(description="双方车辆的交强险、检验有效期（登记信息）")


class AgreementAnswer(ApplicationAnswer):
    settlement_no: str
    agreement_no: str
    settlement: BoothSettlementView


class DisputeAnswer(ReferralAnswer):
    settlement: BoothSettlementView


class CaseView(Answer):
    code: str
    title: str
    description: str
    actor: str = Field(description="行为属于该情形的一方")
    other: str
    actor_liability: str
    other_liability: str
    rule: str = Field(description="该行为违反的通行规定")


class QuestionView(Answer):
    code: str
    question: str = Field(description="须报警情形（回答“是”则不能自行协商）")
    message: str = Field(description="回答“是”时告知当事人的处理方式")
    basis: str


class CaseTable(Answer):
    questions: list[QuestionView] = Field(description="事故程序规定第13至15条的逐项确认")
    title: str
    source: str = Field(description="来源说明（示例表须由支队确认或替换）")
    example: bool
    cases: list[CaseView]
    legal_basis: list[str]


class SettlementList(Answer):
    settlements: list[SettlementView]


def _table(ctx: Context) -> Any:
    return accident_service.liability_table(ctx.settings.accident_liability_table_path)


def _photos(items: list[PhotoIn]) -> list[Photo]:
    return [Photo(p.source, p.ref, p.sha256) for p in items]


def _deliver(ctx: Context) -> Any:
    def deliver(agreement_id: uuid.UUID) -> None:
        accident_service.deliver_pending(
            ctx.uow, ctx.notifier, ctx.insurers, agreement_id=agreement_id
        )

    return deliver


@router.get(
    "/liability-cases",
    response_model=CaseTable,
    summary="须报警情形的逐项确认，和常见情形责任对照表（配置；示例表须由支队确认）",
)
def liability_cases(ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    table = _table(ctx)
    return {
        "questions": [
            {"code": q.code, "question": q.question, "message": q.message, "basis": q.basis}
            for q in QUESTIONS
        ],
        "title": table.title,
        "source": table.source,
        "example": table.example,
        "cases": [
            {
                "code": c.code,
                "title": c.title,
                "description": c.description,
                "actor": c.actor,
                "other": c.other,
                "actor_liability": c.actor_liability.value,
                "other_liability": c.other_liability.value,
                "rule": c.rule,
            }
            for c in table.cases
        ],
        "legal_basis": list(LIABILITY_BASIS),
    }


@router.post(
    "",
    status_code=201,
    response_model=BoothSettlementView,
    responses=error_responses(409),
    summary="开始事故快处：双方分别人证核验，逐项确认无须报警情形，核验驾驶证、号牌、交强险、检验"
    "（事故程序规定 第13、14、19条）",
)
def open_settlement(body: OpenSettlement, call: BoothCallDep) -> JSONResponse:
    facts = Facts(body.occurred_at, body.place, body.weather, body.form)
    sides = [
        accidents.PartySide(p.plate_no, p.insurer, p.policy_no, p.collision_part, p.phone)
        for p in body.parties
    ]
    return call.write(
        "/accidents",
        body,
        lambda uow, citizen: accidents.open_settlement(
            uow,
            call.actor,
            citizen,
            tokens=(call.identity, body.other_identity_token),
            facts=facts,
            answers=body.answers,
            sides=sides,
            photos=_photos(body.photos),
        ),
        service_item=accidents.SERVICE_ITEM,
        status_code=201,
    )


@router.get("/{settlement_no}", response_model=BoothSettlementView, summary="查询本人的事故快处")
def get_settlement(settlement_no: str, call: BoothReadDep) -> dict[str, Any]:
    return call.read(lambda uow, citizen: accidents.citizen_settlement(uow, citizen, settlement_no))


@router.post(
    "/{settlement_no}/photos",
    response_model=BoothSettlementView,
    responses=error_responses(409),
    summary="添加现场照片（岗亭拍摄或上传，以SHA-256固定证据，第19条）",
)
def add_photos(settlement_no: str, body: AddPhotos, call: BoothCallDep) -> JSONResponse:
    return call.write(
        f"/accidents/{settlement_no}/photos",
        body,
        lambda uow, citizen: accidents.add_photos(
            uow, call.actor, citizen, settlement_no, _photos(body.photos)
        ),
        service_item=accidents.SERVICE_ITEM,
    )


@router.post(
    "/{settlement_no}/agreement",
    response_model=AgreementAnswer,
    responses=error_responses(409),
    summary="双方确认责任，签发自行协商协议书并送达双方及保险公司（第21、22条；只签发一次）",
)
def agree(settlement_no: str, body: Agree, call: BoothCallDep) -> JSONResponse:
    ctx = call.ctx
    return call.write(
        f"/accidents/{settlement_no}/agreement",
        body,
        lambda uow, citizen: accidents.agree(
            uow,
            call.actor,
            citizen,
            settlement_no,
            other_token=body.other_identity_token,
            table=_table(ctx),
            case_code=body.case,
            actor_seq=body.actor_seq,
            split=body.split,
            deliver=_deliver(ctx),
        ),
        service_item=accidents.SERVICE_ITEM,
    )


@router.post(
    "/{settlement_no}/dispute",
    status_code=201,
    response_model=DisputeAnswer,
    responses=error_responses(409),
    summary="对事实或责任有争议：连同已采集材料转事故处理单位确定责任（第20条），告知转办编号",
)
def dispute(settlement_no: str, body: Dispute, call: BoothCallDep) -> JSONResponse:
    ctx = call.ctx
    return call.write(
        f"/accidents/{settlement_no}/dispute",
        body,
        lambda uow, citizen: accidents.dispute(
            uow,
            call.actor,
            citizen,
            settlement_no,
            reason=body.reason,
            terms=referrals.referral_terms(ctx.settings, ctx.calendar),
            notifier=ctx.notifier,
        ),
        service_item=accidents.SERVICE_ITEM,
        status_code=201,
    )


_STATES = "^(" + "|".join(s.value for s in SettlementState) + ")$"


@staff_router.get(
    "",
    response_model=SettlementList,
    summary="本单位及下级单位的事故快处（民警及以上；新的在前）",
)
def list_settlements(
    ctx: ContextDep,
    actor: ActorDep,
    state: Annotated[str | None, Query(pattern=_STATES)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return run_read(
        ctx,
        lambda uow: {
            "settlements": accident_service.list_settlements(
                uow,
                actor,
                state=SettlementState(state) if state else None,
                limit=limit,
            )
        },
    )
