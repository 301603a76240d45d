"""Remote commands (远程指令) run on the booth node, and the node's adapters as the centre
sees and restarts them.

``CommandExecutor`` is the ``BoothLink`` callback: the link has already acknowledged the
command and checked its expiry and parameters (``booths.payloads``); the executor runs it
and answers succeeded (with a zh-CN detail) or raises a named error (failed):

- ``announcement``: shown on the kiosk's banner, then spoken ``repeat`` times on the
  speaker port (a node without a voice still shows it, and says so in the detail);
- ``lock_kiosk`` / ``unlock_kiosk``: the kiosk mode (``node/kiosk_mode.py``); a citizen
  already at the kiosk finishes first;
- ``restart_adapter``: the named adapter is built afresh (``Adapters.restart``);
- ``refresh_watch_list``: the offline copy fetches its delta (``node/watch_list.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from gangting.booths.payloads import (
    AnnouncementParams,
    DeviceStatus,
    LockKioskParams,
    RefreshWatchListParams,
    RestartAdapterParams,
)
from gangting.kernel.errors import Conflict
from gangting.node.adapters.face_camera import SimulatedFaceCamera
from gangting.node.adapters.help_button import HelpButton
from gangting.node.adapters.printer import SimulatedPrinter
from gangting.node.kiosk_mode import KioskMode
from gangting.node.mqtt_link import Command, CommandResult
from gangting.node.service import Hardware, KioskService
from gangting.node.watch_list import WatchListCopy

log = logging.getLogger("gangting.node.commands")

ADAPTER_ZH: dict[str, str] = {
    "id_reader": "身份证读卡器",
    "face_camera": "人脸摄像头",
    "printer": "凭证打印机",
    "payment_terminal": "缴款终端",
    "help_button": "求助按钮",
    "sensors": "环境传感器",
    "speaker": "扬声器",
    "plate_camera": "号牌识别摄像机",
}
HARDWARE_PORTS = tuple(name for name in ADAPTER_ZH if name != "plate_camera")


class AdapterUnavailable(Conflict):
    """The named adapter is not on this booth (e.g. a plate camera on a booth without one)."""

    code = "kiosk.adapter_unavailable"


class AdapterRestartFailed(Conflict):
    code = "kiosk.adapter_restart_failed"


def camera_status(state: str) -> DeviceStatus:
    """A camera worker's state as a device status: running (or opening) is ok, a dropped
    stream waiting to reopen is a fault, an ended or stopped worker is offline."""
    if state in ("running", "connecting", "new"):
        return "ok"
    if state == "reconnecting":
        return "fault"
    return "offline"


class Adapters:
    """The kiosk's hardware ports, their health for the state report, and their restart.

    ``build`` makes a fresh set of adapters as the node made them at start (simulators or
    real ones); a restart takes the named one from it. ``cameras`` answers the plate
    cameras' statuses, ``restart_cameras`` rebuilds them (both None: no plate cameras).
    """

    def __init__(
        self,
        kiosk: KioskService,
        build: Callable[[], Hardware],
        *,
        cameras: Callable[[], list[dict[str, Any]]] | None = None,
        restart_cameras: Callable[[], int] | None = None,
    ) -> None:
        self._kiosk = kiosk
        self._build = build
        self._cameras = cameras
        self._restart_cameras = restart_cameras
        self._lock = threading.Lock()
        self._failed: set[str] = set()
        self._follow_reader()

    @property
    def hw(self) -> Hardware:
        return self._kiosk.hw

    def camera_statuses(self) -> dict[str, DeviceStatus]:
        if self._cameras is None:
            return {}
        return {str(c["camera"]): camera_status(str(c.get("state", ""))) for c in self._cameras()}

    def health(self) -> dict[str, DeviceStatus]:
        """Each port's status: ok unless it is known to be in trouble."""
        status: dict[str, DeviceStatus] = dict.fromkeys(HARDWARE_PORTS, "ok")
        if isinstance(self.hw.printer, SimulatedPrinter) and not self.hw.printer.paper:
            status["printer"] = "fault"
        if not self.hw.speaker.available:
            status["speaker"] = "offline"
        cameras = self.camera_statuses()
        if cameras:
            order: dict[DeviceStatus, int] = {"ok": 0, "offline": 1, "fault": 2}
            status["plate_camera"] = max(cameras.values(), key=order.__getitem__)
        for name in self._failed:
            status[name] = "fault"
        return status

    def restart(self, name: str) -> str:
        """Take the named adapter out and put a freshly built one in; the detail text."""
        with self._lock:
            try:
                if name == "plate_camera":
                    if self._restart_cameras is None:
                        raise AdapterUnavailable(
                            "本岗亭未配置号牌识别摄像机", data={"adapter": name}
                        )
                    count = self._restart_cameras()
                    detail = f"已重启{ADAPTER_ZH[name]}（{count}路）"
                elif name in HARDWARE_PORTS:
                    self._replace(name)
                    detail = f"已重启{ADAPTER_ZH[name]}"
                else:
                    raise AdapterUnavailable("没有该设备", data={"adapter": name})
            except AdapterUnavailable:
                raise
            except Exception as exc:
                self._failed.add(name)
                log.exception("restarting adapter %s failed", name)
                raise AdapterRestartFailed(
                    f"{ADAPTER_ZH.get(name, name)}重启失败", data={"adapter": name}
                ) from exc
            self._failed.discard(name)
        log.info("adapter %s restarted by remote command", name)
        return detail

    def _replace(self, name: str) -> None:
        old = getattr(self.hw, name)
        fresh = getattr(self._build(), name)
        if name == "face_camera":
            old.release()
        if isinstance(old, HelpButton) and isinstance(fresh, HelpButton):
            # whoever listened to the old button (the kiosk, remote assist) hears the new one
            for handler in list(getattr(old, "_handlers", [])):
                fresh.on_press(handler)
        setattr(self.hw, name, fresh)
        self._follow_reader()

    def _follow_reader(self) -> None:
        """The simulated face camera shows whoever holds the card on the reader now in
        service (a restarted reader is a new object)."""
        camera = self.hw.face_camera
        if isinstance(camera, SimulatedFaceCamera):

            def holder() -> str | None:
                reader = self.hw.id_reader
                # the card lying there, chip readable or not (as simulated_hardware does)
                card = getattr(reader, "on_reader", reader.read)()
                return card.id_number if card else None

            camera.holder = holder


class CommandExecutor:
    def __init__(
        self,
        kiosk: KioskService,
        mode: KioskMode,
        watch_list: WatchListCopy,
        adapters: Adapters,
    ) -> None:
        self._kiosk = kiosk
        self._mode = mode
        self._watch_list = watch_list
        self._adapters = adapters

    def __call__(self, command: Command) -> CommandResult:
        params = command.params
        log.info("remote command %s (%s) from %s", command.id, command.kind, command.issued_by)
        if isinstance(params, AnnouncementParams):
            return CommandResult(ok=True, detail=self._announce(params))
        if isinstance(params, LockKioskParams):
            changed = self._mode.lock(params.notice)
            detail = "终端已暂停服务" if changed else "终端已处于暂停服务状态"
            if self._kiosk.sessions.busy:
                detail += "，当前群众办理完成后显示暂停服务"
            return CommandResult(ok=True, detail=detail)
        if command.kind == "unlock_kiosk":
            changed = self._mode.unlock()
            return CommandResult(
                ok=True, detail="终端已恢复服务" if changed else "终端本已在服务中"
            )
        if isinstance(params, RestartAdapterParams):
            return CommandResult(ok=True, detail=self._adapters.restart(params.adapter))
        if isinstance(params, RefreshWatchListParams):
            done = self._watch_list.refresh()
            how = "全量" if done.full else "增量"
            return CommandResult(
                ok=True, detail=f"布控名单已更新（{how}），版本{done.version}，共{done.size}条"
            )
        return CommandResult(ok=False, error="booths.command_unsupported", detail="不支持的指令")

    def _announce(self, params: AnnouncementParams) -> str:
        self._mode.announce(params.text)
        speaker = self._kiosk.hw.speaker
        if not speaker.available:
            return "已在终端屏幕显示（本岗亭无语音播报）"
        for _ in range(params.repeat):
            speaker.say(params.text)
        return f"已在终端屏幕显示并播报{params.repeat}次"
