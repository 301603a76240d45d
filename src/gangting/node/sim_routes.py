"""Demo and test controls of the simulated hardware (mounted only with simulators on)."""

from __future__ import annotations

from typing import Any, Literal

import cv2
from fastapi import APIRouter, Response
from pydantic import Field

from gangting.contracts import Request as Body
from gangting.node.adapters.document_camera import TRAYS, SimulatedDocumentCamera, Tray
from gangting.node.adapters.face_camera import SCENES, Scene, SimulatedFaceCamera
from gangting.node.adapters.id_reader import SimulatedIdReader
from gangting.node.adapters.payment_terminal import SimulatedPaymentTerminal
from gangting.node.adapters.printer import SimulatedPrinter
from gangting.node.adapters.sensors import SimulatedSensors
from gangting.node.errors import SimulatorsOff
from gangting.node.routes import KioskDep
from gangting.node.schemas import (
    CardPlaced,
    CardRemoved,
    PayerSet,
    Pressed,
    SceneSet,
    SensorsSet,
    SimOverview,
    TraySet,
)
from gangting.node.service import KioskService

router = APIRouter(prefix="/kiosk/api/sim", tags=["模拟设备 simulators"])
PREVIEW_W = 240  # px: the drawer's thumbnail of the document tray


class CardRequest(Body):
    persona: str | None = Field(default=None, max_length=32, description="演示角色，如 unprocessed")
    id_number: str | None = Field(default=None, min_length=15, max_length=18)
    name: str = Field(default="演示群众", max_length=32)
    chip_readable: bool = Field(default=True, description="false：芯片无法读取（模拟芯片损坏）")


class DocumentRequest(Body):
    tray: Tray = Field(
        description="拍摄区上的证件：id_card 身份证正面 | id_card_tampered 校验码被改 | "
        "health_certificate 身体条件证明（合格）| health_certificate_failed 不合格 | "
        "health_certificate_expired 已过期 | empty 空"
    )


class FaceRequest(Body):
    scene: Scene = Field(
        description="genuine 本人（按提示转头）| impostor 他人冒用 | still 手持本人照片不动 | "
        "no_face 摄像头前无人"
    )


class PayerRequest(Body):
    outcome: Literal["ok", "decline", "timeout"]


class SensorsRequest(Body):
    door: Literal["open", "closed"] | None = None
    power: Literal["mains", "battery", "off"] | None = None
    temperature_c: float | None = Field(default=None, ge=-60, le=90)
    paper: Literal["ok", "low", "out"] | None = None


def _sim(device: object, kind: type) -> Any:
    if not isinstance(device, kind):
        raise SimulatorsOff("模拟设备未启用")
    return device


def _reader(kiosk: KioskService) -> SimulatedIdReader:
    reader: SimulatedIdReader = _sim(kiosk.hw.id_reader, SimulatedIdReader)
    return reader


@router.get(
    "", response_model=SimOverview, summary="模拟设备：演示身份证、当前读卡器上的卡、默认设置"
)
def overview(kiosk: KioskDep) -> dict[str, Any]:
    reader = _reader(kiosk)
    card = reader.read()
    camera = kiosk.hw.face_camera
    terminal = kiosk.hw.payment_terminal
    return {
        "cards": [
            {
                "role": c.role,
                "name": c.name,
                "label": f"{c.name} {c.situation.split(' / ')[0]}",
                "id_number": c.id_number,
                "situation": c.situation,
            }
            for c in reader.demo_citizens
        ],
        "current": {"id_number": card.id_number} if card else None,
        "defaults": {
            "face_scene": getattr(camera, "scene", None),
            "face_scenes": list(SCENES),
            "payer": getattr(terminal, "outcome", None),
            "document_tray": getattr(kiosk.hw.document_camera, "tray", None),
            "document_trays": list(TRAYS),
            "chip_readable": reader.chip_readable,
        },
    }


@router.post(
    "/id-card", response_model=CardPlaced, summary="把一张身份证放到读卡器上（演示角色或身份证号）"
)
def id_card(body: CardRequest, kiosk: KioskDep) -> dict[str, Any]:
    reader = _reader(kiosk)
    card = reader.persona(body.persona) if body.persona else None
    if card is None and body.id_number:
        card = reader.card(body.id_number, body.name)
    if card is None:
        raise SimulatorsOff("未找到该演示角色", code="kiosk.sim_unknown_persona")
    reader.insert(card)
    reader.chip_readable = body.chip_readable
    return {"on_reader": True, "persona": body.persona, "chip_readable": reader.chip_readable}


@router.post(
    "/document", response_model=TraySet, summary="设置拍摄区上的证件（身份证正面、身体条件证明等）"
)
def document(body: DocumentRequest, kiosk: KioskDep) -> dict[str, Any]:
    camera: SimulatedDocumentCamera = _sim(kiosk.hw.document_camera, SimulatedDocumentCamera)
    camera.tray = body.tray
    return {"tray": camera.tray}


@router.get(
    "/document/preview",
    summary="拍摄区上的证件预览（缩略图，JPEG；演示抽屉中显示放上的是哪份证件）",
    response_class=Response,
    responses={
        200: {
            "description": "JPEG 缩略图",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def document_preview(kiosk: KioskDep) -> Response:
    camera: SimulatedDocumentCamera = _sim(kiosk.hw.document_camera, SimulatedDocumentCamera)
    frame = camera.capture()
    # a thumbnail: which document lies there, its text too small to read on the screen
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (PREVIEW_W, round(h * PREVIEW_W / w)), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:  # pragma: no cover - OpenCV encodes any non-empty BGR image
        raise SimulatorsOff("预览生成失败", code="kiosk.sim_preview_failed")
    return Response(bytes(jpeg), media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post("/id-card/remove", response_model=CardRemoved, summary="取走身份证")
def remove_card(kiosk: KioskDep) -> dict[str, Any]:
    _reader(kiosk).remove()
    return {"on_reader": False}


@router.post(
    "/face", response_model=SceneSet, summary="设置摄像头前的情形：本人 | 他人 | 手持照片 | 无人"
)
def face(body: FaceRequest, kiosk: KioskDep) -> dict[str, Any]:
    camera: SimulatedFaceCamera = _sim(kiosk.hw.face_camera, SimulatedFaceCamera)
    camera.scene = body.scene
    return {"scene": camera.scene}


@router.post("/payer", response_model=PayerSet, summary="设置付款结果：ok | decline | timeout")
def payer(body: PayerRequest, kiosk: KioskDep) -> dict[str, Any]:
    terminal: SimulatedPaymentTerminal = _sim(kiosk.hw.payment_terminal, SimulatedPaymentTerminal)
    terminal.outcome = body.outcome
    return {"outcome": terminal.outcome}


@router.post("/help-button", response_model=Pressed, summary="按下求助按钮")
def help_button(kiosk: KioskDep) -> dict[str, Any]:
    kiosk.hw.help_button.press()
    return {"pressed": True}


@router.post("/sensors", response_model=SensorsSet, summary="设置传感器读数（变化即上报）")
def sensors(body: SensorsRequest, kiosk: KioskDep) -> dict[str, Any]:
    sim: SimulatedSensors = _sim(kiosk.hw.sensors, SimulatedSensors)
    sim.values.update(body.model_dump(exclude_none=True))
    if isinstance(kiosk.hw.printer, SimulatedPrinter):
        kiosk.hw.printer.paper = sim.values.get("paper") != "out"
    return {"values": sim.read(), "queued": kiosk.report_sensors()}
