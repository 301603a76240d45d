"""The kiosk API of issue 14's booth businesses (docs/decisions/0030): deferral or
instalments of a fine and paying an instalment, objections to a camera record and the
citizen's referrals, full-score clearance, the driver review with the 70+ ability test, the
inspection-mark reissue, and the referral (转办) of a business refused at the booth to the
responsible unit. Each proxies the centre's booth route like ``node.routes``: the
centre's body is the answer, a business step carries the node's durable idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import CognitiveTestRequest, MarkReissueRequest
from gangting.contracts import Request as Body
from gangting.fines.requests import ApplyForDeferral
from gangting.node.routes import KioskDep, SessionDep, relay
from gangting.node.schemas import CentreBody
from gangting.referrals.requests import FileObjection, Refer, Supply

router = APIRouter(prefix="/kiosk/api", tags=["自助终端 kiosk"])

# 申请编号 HQ…, 转办编号 ZB… / 异议 YY…: letters and digits only (they go into a path)
Number = Annotated[str, Path(pattern=r"^[A-Z0-9]{4,32}$")]


class InstalmentPayment(Body):
    instalment_nos: list[str] = Field(min_length=1, max_length=24, description="期款编号")


@router.post(
    "/fine-deferrals",
    response_model=CentreBody,
    summary="申请暂缓或分期缴纳罚款（确有经济困难；须经批准）",
)
def apply_for_deferral(
    body: ApplyForDeferral, kiosk: KioskDep, session: SessionDep
) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/fine-deferrals", body.model_dump(mode="json")))


@router.get(
    "/fine-deferrals/{deferral_no}",
    response_model=CentreBody,
    summary="查询本人的暂缓或分期缴纳申请及各期款项",
)
def deferral(deferral_no: Number, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.read(session, f"/api/v1/fine-deferrals/{deferral_no}"))


@router.post(
    "/payments/instalments",
    response_model=CentreBody,
    summary="缴纳分期款项：缴款终端读付款码，再由中心向缴款平台下单",
)
def pay_instalments(body: InstalmentPayment, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    about = {"instalment_nos": list(dict.fromkeys(body.instalment_nos))}
    return relay(kiosk.pay_at(session, "/api/v1/payments/instalments", about))


@router.post(
    "/objections",
    response_model=CentreBody,
    summary="对本人的电子监控违法记录提出异议（五个工作日内审查，审查期间暂不处理）",
)
def file_objection(body: FileObjection, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/objections", body.model_dump(mode="json")))


@router.post(
    "/referrals",
    response_model=CentreBody,
    summary="转办：岗亭无法当场办结的事项连同已采集材料转承办单位（限期办理，短信告知进展）",
)
def refer(body: Refer, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/referrals", body.model_dump(mode="json")))


@router.get(
    "/referrals/{referral_no}", response_model=CentreBody, summary="查询本人的转办事项或异议"
)
def referral(referral_no: Number, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.read(session, f"/api/v1/referrals/{referral_no}"))


@router.post(
    "/referrals/{referral_no}/supplements",
    response_model=CentreBody,
    summary="按承办单位要求补充材料",
)
def supply(referral_no: Number, body: Supply, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    path = f"/api/v1/referrals/{referral_no}/supplements"
    return relay(kiosk.business(session, path, body.model_dump(mode="json")))


@router.post(
    "/points/full-score/clearance",
    response_model=CentreBody,
    summary="满分学习、考试合格且罚款已缴纳：清除记分、发还驾驶证",
)
def full_score_clearance(kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/points/full-score/clearance", {}))


@router.post(
    "/licences/cognitive-test",
    response_model=CentreBody,
    summary="登记70周岁以上驾驶人的三力测试结果（测试设备的记录编号）",
)
def cognitive_test(
    body: CognitiveTestRequest, kiosk: KioskDep, session: SessionDep
) -> JSONResponse:
    return relay(
        kiosk.business(session, "/api/v1/licences/cognitive-test", body.model_dump(mode="json"))
    )


@router.post("/licences/review", response_model=CentreBody, summary="驾驶人审验（上一记分周期）")
def review(kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/licences/review", {}))


@router.post(
    "/vehicles/inspection-mark/reissue",
    response_model=CentreBody,
    summary="补领、换领检验合格标志（丢失或损毁）",
)
def reissue_mark(body: MarkReissueRequest, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    path = "/api/v1/vehicles/inspection-mark/reissue"
    return relay(kiosk.business(session, path, body.model_dump(mode="json")))
