"""The kiosk API (docs/decisions/0002): JSON for the booth's own browser. Answers are the
centre's bodies (plus node fields); errors are the centre's shape {"error","message","data"}.
The browser holds only the ``kiosk_session`` cookie, never a token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from gangting.contracts import (
    Certificate,
    MarkRequest,
    PaymentQuoteRequest,
    ProcessViolations,
    Renewal,
    Replacement,
    StudyDeductionRequest,
)
from gangting.contracts import Request as Body
from gangting.node.centre import CentreAnswer
from gangting.node.mode_routes import kiosk_mode
from gangting.node.schemas import (
    CentreBody,
    CertificateRead,
    DocumentPlan,
    Finished,
    HelpAccepted,
    Identified,
    IdentifyPlan,
    KioskStatus,
    Overview,
    Printed,
    PromptedStep,
    RatingAccepted,
    SessionStarted,
    Spoken,
    Step,
    SurveyAccepted,
    Ticket,
)
from gangting.node.service import KioskService
from gangting.node.session import KioskSession
from gangting.ratings.rules import parse_level
from gangting.surveys.schemas import SurveyView

router = APIRouter(prefix="/kiosk/api", tags=["自助终端 kiosk"])
COOKIE = "kiosk_session"


def get_kiosk(request: Request) -> KioskService:
    kiosk: KioskService = request.app.state.kiosk
    return kiosk


KioskDep = Annotated[KioskService, Depends(get_kiosk)]
CookieDep = Annotated[str | None, Cookie(alias=COOKIE)]


def get_session(kiosk: KioskDep, kiosk_session: CookieDep = None) -> KioskSession:
    return kiosk.sessions.get(kiosk_session)


SessionDep = Annotated[KioskSession, Depends(get_session)]


def relay(answer: CentreAnswer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


class PaymentRequest(Body):
    decision_nos: list[str] = Field(min_length=1, max_length=50)


class RatingRequest(Body):
    level: int | str = Field(
        description="5 非常满意 … 1 非常不满意，或 very_satisfied … very_unsatisfied"
    )
    reason: str | None = Field(default=None, max_length=500)

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: int | str) -> int | str:
        parse_level(value)
        return value


class HelpRequest(Body):
    kind: str = Field(default="assistance", pattern="^[a-z_]{1,32}$")
    note: str | None = Field(default=None, max_length=500)


class SpeakRequest(Body):
    text: str = Field(min_length=1, max_length=300)


@router.get(
    "/status", response_model=KioskStatus, summary="岗亭状态：中心是否在线、排队、空闲超时、语音"
)
def status(kiosk: KioskDep, request: Request) -> dict[str, Any]:
    return {**kiosk.status(), "mode": kiosk_mode(request).view()}


@router.post(
    "/session", response_model=SessionStarted, summary="开始办理（新会话，Cookie kiosk_session）"
)
def start_session(
    kiosk: KioskDep, request: Request, response: Response, kiosk_session: CookieDep = None
) -> Any:
    # Locked by the centre (暂停服务): nothing new starts; a citizen resuming unanswered
    # steps after a node restart is finishing, not starting.
    resuming = bool(kiosk_session) and kiosk.keys.has_pending(kiosk_session or "")
    kiosk_mode(request).require_open(finishing=resuming)
    session = kiosk.start_session(kiosk_session)
    response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict")
    return {
        "session_id": session.id,
        "resumed": session.id == kiosk_session,
        "idle_timeout_s": kiosk.settings.idle_timeout_s,
    }


@router.post(
    "/identify/start", response_model=IdentifyPlan, summary="人证核验第1步：读身份证，返回核验步骤"
)
def identify_start(kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.identify_start(session)


@router.post(
    "/identify/document",
    response_model=DocumentPlan,
    summary="芯片读取失败时：拍摄身份证正面识别（OCR），以证件照片进行人脸核验",
)
def identify_document(kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.identify_document(session)


@router.post(
    "/documents/health-certificate/read",
    response_model=CertificateRead,
    summary="拍摄体检证明：识别出具机构、日期、结论",
)
def read_health_certificate(kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.read_health_certificate(session)


@router.post(
    "/identify/look", response_model=PromptedStep, summary="人证核验第2步：正视摄像头（取正面画面）"
)
def identify_look(kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.identify_look(session)


@router.post(
    "/identify/turn",
    response_model=Step,
    summary="人证核验第3步：缓慢转头（取转头画面），比对由 /identify 完成",
)
def identify_turn(kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.identify_turn(session)


@router.post(
    "/identify",
    response_model=Identified,
    summary="人证核验：转头动作 + 活体判断 + 人脸与身份证照片比对 -> 中心换取身份令牌"
    "（未先调用 start/look 时一次完成全部步骤）",
)
def identify(kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.identify(session))


@router.get(
    "/overview",
    response_model=Overview,
    summary="驾驶证、本周期记分、未处理违法、未缴罚款（含加处罚款）",
)
def overview(kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.overview(session))


@router.post("/violations/preview", response_model=CentreBody, summary="预览处理结果（不写入）")
def preview(body: ProcessViolations, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.preview(session, body.model_dump(mode="json")))


@router.post("/payments/quote", response_model=CentreBody, summary="应缴金额（由中心计价，不写入）")
def quote(body: PaymentQuoteRequest, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.quote(session, body.model_dump(mode="json")))


@router.post(
    "/violations/process", response_model=CentreBody, summary="处理违法（幂等键由岗亭持久保存）"
)
def process(body: ProcessViolations, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/violations/process", body.model_dump()))


@router.post(
    "/payments", response_model=CentreBody, summary="缴款：缴款终端读付款码，再由中心向缴款平台下单"
)
def pay(body: PaymentRequest, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.pay(session, list(dict.fromkeys(body.decision_nos))))


@router.get("/payments/{payment_no}", response_model=CentreBody, summary="查询待确认的缴款")
def payment(payment_no: str, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.payment(session, payment_no))


@router.post("/licences/renewal", response_model=CentreBody, summary="期满换证")
def renewal(body: Renewal, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.business(session, "/api/v1/licences/renewal", body.model_dump(mode="json")))


@router.post("/licences/replacement", response_model=CentreBody, summary="遗失补领")
def replacement(body: Replacement, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(
        kiosk.business(session, "/api/v1/licences/replacement", body.model_dump(mode="json"))
    )


@router.post("/licences/health-certificate", response_model=CentreBody, summary="提交身体条件证明")
def health_certificate(body: Certificate, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(
        kiosk.business(session, "/api/v1/licences/health-certificate", body.model_dump(mode="json"))
    )


@router.post("/vehicles/inspection-mark", response_model=CentreBody, summary="申领电子检验合格标志")
def inspection_mark(body: MarkRequest, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(
        kiosk.business(session, "/api/v1/vehicles/inspection-mark", body.model_dump(mode="json"))
    )


@router.post("/points/study-deduction", response_model=CentreBody, summary="学法减分")
def study_deduction(
    body: StudyDeductionRequest, kiosk: KioskDep, session: SessionDep
) -> JSONResponse:
    return relay(
        kiosk.business(session, "/api/v1/points/study-deduction", body.model_dump(mode="json"))
    )


@router.get(
    "/guides/{business}", response_model=CentreBody, summary="办事指南（中心按规则与配置生成）"
)
def guide(
    business: Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")], kiosk: KioskDep
) -> JSONResponse:
    return relay(kiosk.centre.call("GET", f"/api/v1/guides/{business}"))


@router.post("/print", response_model=Printed, summary="打印最近一笔业务的受理回执")
def print_receipt(kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.print_receipt(session)


@router.post(
    "/rating",
    response_model=RatingAccepted,
    status_code=202,
    summary="好差评（先存岗亭，再转发中心）",
)
def rating(body: RatingRequest, kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.rate(session, body.level, body.reason)


class SurveyAnswers(Body):
    answers: dict[str, int | None] = Field(
        max_length=100, description="题目代码 → 等级；跳过的题目省略或为 null"
    )


@router.get("/survey", response_model=SurveyView, summary="评价后的服务体验问卷（可选）")
def survey(kiosk: KioskDep) -> dict[str, Any]:
    return kiosk.survey().to_dict()


@router.post(
    "/survey",
    response_model=SurveyAccepted,
    status_code=202,
    summary="提交服务体验问卷（先存岗亭，再转发中心）",
)
def answer_survey(body: SurveyAnswers, kiosk: KioskDep, session: SessionDep) -> dict[str, Any]:
    return kiosk.answer_survey(session, body.answers)


@router.post(
    "/help",
    response_model=HelpAccepted,
    status_code=202,
    summary="一键求助（先存岗亭，再转发中心）",
)
def help_call(kiosk: KioskDep, request: Request, body: HelpRequest | None = None) -> dict[str, Any]:
    body = body or HelpRequest()
    answer = kiosk.call_help(body.kind, body.note)
    request.app.state.assist.open()  # remote assist with the centre (node/assist.py)
    return answer


@router.post("/queue", response_model=Ticket, summary="取号，附预计等候时间")
def take_number(kiosk: KioskDep) -> dict[str, Any]:
    return kiosk.take_number()


@router.post("/speak", response_model=Spoken, summary="语音播报（espeak-ng，未安装时静默）")
def speak(body: SpeakRequest, kiosk: KioskDep) -> dict[str, Any]:
    speaker = kiosk.hw.speaker
    out = speaker.say(body.text)
    return {"spoken": speaker.available, "file": str(out) if out else None}


@router.post("/finish", response_model=Finished, summary="结束办理，清除本次会话的全部信息")
def finish(
    kiosk: KioskDep, request: Request, response: Response, kiosk_session: CookieDep = None
) -> Any:
    ended = kiosk.finish(kiosk_session)
    request.app.state.assist.leave()  # a remote-assist conversation ends with the citizen
    response.delete_cookie(COOKIE)
    return {"finished": ended}
