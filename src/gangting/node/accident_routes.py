"""事故快处 on the kiosk (docs/decisions/0029): the second party's identity check in the same
session, the booth camera's photos, and the centre's quick-accident calls with both parties'
identity tokens. The first party is the session's citizen; before the second party's check
its token is set aside (``begin``), and after it (``done``) both are kept in the session, in
memory only (wiped with it). Business steps go through the node's persistent step keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request as Body
from gangting.kernel.errors import Conflict, Invalid
from gangting.node.routes import KioskDep, SessionDep, relay
from gangting.node.schemas import CentreBody
from gangting.node.service import KioskService
from gangting.node.session import KioskSession

router = APIRouter(prefix="/kiosk/api/accident", tags=["自助终端 kiosk"])
CENTRE = "/api/v1/accidents"
PHOTO_MAX_BYTES = 4 * 1024 * 1024


class PartiesRequired(Conflict):
    """Both parties must have been identified at this kiosk in this session."""

    code = "kiosk.accident_parties_required"


class PhotoUnreadable(Invalid):
    code = "kiosk.accident_photo_unreadable"


class SideIn(Body):
    plate_no: str = Field(min_length=1, max_length=16)
    insurer: str = Field(max_length=64)
    policy_no: str = Field(max_length=64)
    collision_part: str = Field(max_length=16)
    phone: str | None = Field(default=None, max_length=20)


class OpenIn(Body):
    occurred_at: str = Field(max_length=40)
    place: str = Field(max_length=120)
    weather: str = Field(max_length=16)
    form: str = Field(max_length=16)
    answers: dict[str, bool] = Field(max_length=20)
    parties: list[SideIn] = Field(min_length=2, max_length=2)


class PhotoIn(Body):
    source: Literal["booth_camera", "upload"]
    data_base64: str | None = Field(default=None, max_length=PHOTO_MAX_BYTES * 2)


class AgreeIn(Body):
    case: str | None = Field(default=None, max_length=32)
    actor_seq: int | None = Field(default=None, ge=1, le=2)
    split: list[str] = Field(default_factory=list, max_length=2)


class DisputeIn(Body):
    reason: str = Field(max_length=500)


def _parties(session: KioskSession) -> dict[str, Any]:
    state = session.accident or {}
    if not state.get("first") or not state.get("second") or not session.identity_token:
        raise PartiesRequired("请双方当事人分别完成身份核验后再办理事故快处")
    return state


@router.get("/cases", response_model=CentreBody, summary="常见情形责任对照表（中心配置）")
def cases(kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    return relay(kiosk.read(session, f"{CENTRE}/liability-cases"))


@router.post(
    "/second/begin",
    response_model=CentreBody,
    summary="第二方当事人核验前：暂存第一方的身份令牌，腾出本次核验",
)
def second_begin(session: SessionDep) -> dict[str, Any]:
    state = session.accident or {}
    if session.identity_token and not state.get("second"):
        state["first"] = {"token": session.identity_token, "citizen": session.citizen}
    if not state.get("first"):
        raise PartiesRequired("请第一方当事人先完成身份核验")
    session.accident = state
    session.identity_token, session.citizen = None, None
    return {"waiting_for": "second"}


@router.post(
    "/second/done",
    response_model=CentreBody,
    summary="第二方当事人核验完成：保存双方令牌，恢复第一方为本次办理人，返回双方名下车辆",
)
def second_done(kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    state = session.accident or {}
    first = state.get("first")
    if not first or not session.identity_token:
        raise PartiesRequired("请第二方当事人完成身份核验")
    if session.identity_token == first["token"]:
        raise PartiesRequired("第二方当事人须另行核验本人身份")
    state["second"] = {"token": session.identity_token, "citizen": session.citizen}
    session.accident = state
    session.identity_token, session.citizen = first["token"], first["citizen"]
    parties = []
    for seq, who in ((1, state["first"]), (2, state["second"])):
        answer = kiosk.centre.call("GET", "/api/v1/me/vehicles", identity=who["token"])
        plates = answer.body.get("plates", []) if answer.ok else []
        parties.append({"seq": seq, "citizen": who["citizen"], "plates": plates})
    return JSONResponse({"parties": parties})


@router.post("", response_model=CentreBody, summary="开始事故快处（双方令牌由岗亭附上）")
def open_settlement(body: OpenIn, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    other = _parties(session)["second"]["token"]
    about = body.model_dump(mode="json")
    return relay(
        kiosk.business(session, CENTRE, about, lambda: {**about, "other_identity_token": other})
    )


def _store_photo(kiosk: KioskService, data: bytes) -> tuple[str, str]:
    """Keep the image in the node's evidence folder by its SHA-256; its reference."""
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(kiosk.settings.var_dir) / "evidence" / "accidents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.jpg").write_bytes(data)
    return f"EV-{kiosk.settings.booth_code}-{digest[:16]}", digest


def _camera_photo(kiosk: KioskService) -> bytes:
    """One frame of the booth's camera over the scene (the document camera's field of view;
    the simulator renders its tray), as JPEG."""
    import cv2

    camera = kiosk.hw.document_camera
    if camera is None:
        raise PhotoUnreadable("本岗亭未配置摄像头，请上传照片", data={})
    ok, encoded = cv2.imencode(".jpg", camera.capture())
    if not ok:
        raise PhotoUnreadable("拍摄失败，请重试", data={})
    return bytes(encoded.tobytes())


@router.post(
    "/{settlement_no}/photos",
    response_model=CentreBody,
    summary="拍摄（岗亭摄像头）或上传一张现场照片，以SHA-256登记为证据",
)
def add_photo(
    settlement_no: str, body: PhotoIn, kiosk: KioskDep, session: SessionDep
) -> JSONResponse:
    _parties(session)
    if body.source == "upload":
        try:
            data = base64.b64decode(body.data_base64 or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PhotoUnreadable("照片无法读取，请重新选择", data={}) from exc
        if not data or len(data) > PHOTO_MAX_BYTES:
            raise PhotoUnreadable("照片为空或超过4MB，请重新选择", data={})
    else:
        data = _camera_photo(kiosk)
    ref, digest = _store_photo(kiosk, data)
    photos = {"photos": [{"source": body.source, "ref": ref, "sha256": digest}]}
    return relay(kiosk.business(session, f"{CENTRE}/{settlement_no}/photos", photos))


@router.post(
    "/{settlement_no}/agreement",
    response_model=CentreBody,
    summary="双方确认责任，签发协议书（岗亭附上第二方令牌）",
)
def agree(settlement_no: str, body: AgreeIn, kiosk: KioskDep, session: SessionDep) -> JSONResponse:
    other = _parties(session)["second"]["token"]
    about = body.model_dump(mode="json")
    return relay(
        kiosk.business(
            session,
            f"{CENTRE}/{settlement_no}/agreement",
            about,
            lambda: {**about, "other_identity_token": other},
        )
    )


@router.post("/{settlement_no}/dispute", response_model=CentreBody, summary="有争议：转交警处理")
def dispute(
    settlement_no: str, body: DisputeIn, kiosk: KioskDep, session: SessionDep
) -> JSONResponse:
    _parties(session)
    return relay(kiosk.business(session, f"{CENTRE}/{settlement_no}/dispute", body.model_dump()))
