"""The kiosk's mode for its screen (``node/kiosk_mode.py``): locked or in service and the
centre's announcement banner; the page polls it often, so it reads memory only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gangting.node.kiosk_mode import KioskMode
from gangting.node.schemas import KioskModeView

router = APIRouter(prefix="/kiosk/api", tags=["自助终端 kiosk"])


def kiosk_mode(request: Request) -> KioskMode:
    mode: KioskMode = request.app.state.mode
    return mode


@router.get(
    "/mode", response_model=KioskModeView, summary="终端模式：是否暂停服务、中心下发的播报通知"
)
def mode(request: Request) -> dict[str, Any]:
    return kiosk_mode(request).view()
