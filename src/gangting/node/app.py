"""The booth node's ASGI app: kiosk API, simulators, static kiosk screens; wiring only."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gangting import __version__
from gangting.kernel.clock import Clock, SystemClock
from gangting.node.accident_routes import router as accident_router
from gangting.node.adapters.document_camera import SimulatedDocumentCamera
from gangting.node.adapters.face_camera import FaceCamera, SimulatedFaceCamera
from gangting.node.adapters.help_button import HelpButton
from gangting.node.adapters.id_reader import IdReader, SimulatedIdReader, load_demo_citizens
from gangting.node.adapters.payment_terminal import SimulatedPaymentTerminal
from gangting.node.adapters.printer import EscPosPrinter, Printer, SimulatedPrinter
from gangting.node.adapters.sensors import SimulatedSensors
from gangting.node.adapters.speaker import Speaker
from gangting.node.assist import AssistRelay
from gangting.node.assist import router as assist_router
from gangting.node.centre import CentreClient
from gangting.node.config import NodeSettings
from gangting.node.document_reading import preload_ocr
from gangting.node.kiosk_mode import KioskMode
from gangting.node.mode_routes import router as mode_router
from gangting.node.more_routes import router as more_router
from gangting.node.routes import router as kiosk_router
from gangting.node.schemas import Health
from gangting.node.service import Hardware, KioskService
from gangting.node.sim_routes import router as sim_router
from gangting.node.store import NodeStore
from gangting.node.watch_list import HintingOutboxSink, WatchListCopy
from gangting.web.errors import install_error_handlers
from gangting.web.headers import SecurityHeaders
from gangting.web.offline import offline_app
from gangting.web.server_timing import ServerTiming

if TYPE_CHECKING:
    from gangting.node.cameras.manager import Cameras
    from gangting.node.cameras.sinks import PlateReadSink
    from gangting.node.cameras.worker import FrameReader

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("gangting.node")


def simulated_hardware(settings: NodeSettings) -> Hardware:
    reader = SimulatedIdReader(load_demo_citizens(settings.demo_credentials))

    def card_holder() -> str | None:  # who stands at the simulated camera: the card's holder
        card = reader.on_reader()  # chip readable or not: the person is the card's holder
        return card.id_number if card else None

    return Hardware(
        id_reader=reader,
        face_camera=SimulatedFaceCamera(card_holder),
        document_camera=SimulatedDocumentCamera(reader.on_reader, SystemClock().today),
        printer=SimulatedPrinter(settings.var_dir / "receipts"),
        payment_terminal=SimulatedPaymentTerminal(),
        help_button=HelpButton(),
        sensors=SimulatedSensors(),
        speaker=Speaker(settings.var_dir / "speech"),
    )


def real_hardware(settings: NodeSettings) -> Hardware:
    """The real ESC/POS printer where GANGTING_PRINTER_URL is set. The other ports need a
    vendor driver (ID reader, sensors, terminal); the face camera has a real adapter
    (``OpenCvFaceCamera(settings.camera_source)``) but compares against the real reader's
    chip photo: they stay simulated until the deployment plugs its adapters in here."""
    sim = simulated_hardware(settings)
    printer: Printer = EscPosPrinter(settings.printer_url) if settings.printer_url else sim.printer
    camera: FaceCamera = sim.face_camera
    reader: IdReader = sim.id_reader
    return Hardware(
        id_reader=reader,
        face_camera=camera,
        printer=printer,
        payment_terminal=sim.payment_terminal,
        help_button=sim.help_button,
        sensors=sim.sensors,
        speaker=Speaker(None),
        document_camera=sim.document_camera,  # real one: OpenCvDocumentCamera(source)
    )


PRUNE_EVERY_S = 600.0


def _background(kiosk: KioskService, stop: threading.Event) -> None:
    """Drain the outbox (backoff per item), expire an idle session, sample the sensors,
    delete long-delivered outbox rows now and then."""
    next_telemetry = next_prune = 0.0
    while not stop.is_set():
        try:
            kiosk.sessions.expire_idle()
            if time.monotonic() >= next_telemetry:
                kiosk.report_sensors(all_kinds=next_telemetry == 0.0)
                next_telemetry = time.monotonic() + kiosk.settings.telemetry_interval_s
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + PRUNE_EVERY_S
                kiosk.outbox.prune_delivered(kiosk.settings.outbox_keep_delivered_h * 3600)
            kiosk.outbox.drain_once()
        except Exception:  # the loop must outlive any one failure
            log.exception("node background loop")
        kiosk.outbox.wait(kiosk.settings.outbox_interval_s)


def plate_cameras(
    settings: NodeSettings,
    kiosk: KioskService,
    *,
    reader: FrameReader | None = None,
    clock: Clock | None = None,
    sink: PlateReadSink | None = None,
    listed: Callable[[], Sequence[str]] | None = None,
) -> Cameras | None:
    """The plate cameras of GANGTING_CAMERAS, their reads sent through the outbox
    (imported only when there are cameras: OpenCV and the reader's runtime are heavy);
    ``listed``: the watch-list's plates, for the simulated cameras' traffic."""
    if not settings.cameras:
        return None
    from gangting.node.cameras.manager import Cameras
    from gangting.node.cameras.sinks import OutboxSink

    return Cameras.from_specs(
        settings.cameras,
        booth_code=settings.booth_code,
        sink=sink or OutboxSink(kiosk.outbox),
        clock=clock or SystemClock(),
        reader=reader,
        listed=listed,
    )


def create_node_app(
    settings: NodeSettings,
    *,
    centre_transport: httpx.BaseTransport | None = None,
    hardware: Hardware | None = None,
    clock: Callable[[], float] = time.monotonic,
    background: bool = True,
    plate_reader: FrameReader | None = None,
    wall_clock: Clock | None = None,
) -> FastAPI:
    store = NodeStore(settings.store_path())
    centre = CentreClient(
        settings.centre_url,
        settings.booth_code,
        settings.secret(),
        timeout_s=settings.centre_timeout_s,
        transport=centre_transport,
    )
    if hardware is None:
        hardware = simulated_hardware(settings) if settings.simulators else real_hardware(settings)
    kiosk = KioskService(settings, store, centre, hardware, clock=clock, wall_clock=wall_clock)
    # Remote commands' kiosk mode, the offline watch-list copy (local lookout on reads).
    mode = KioskMode(store, display_s=settings.announcement_display_s)
    watch_list = WatchListCopy(store, centre, clock=wall_clock)
    plate_sink = HintingOutboxSink(kiosk.outbox, watch_list)

    def make_cameras() -> Cameras | None:
        return plate_cameras(
            settings,
            kiosk,
            reader=plate_reader,
            clock=wall_clock,
            sink=plate_sink,
            listed=watch_list.plates,
        )

    cameras = make_cameras()

    def restart_cameras() -> int:
        nonlocal cameras
        if cameras is not None:
            cameras.stop()
        cameras = make_cameras()
        app.state.cameras = cameras
        if cameras is not None:
            cameras.start()
        return len(cameras.workers) if cameras is not None else 0

    # On the broker when GANGTING_NODE_MQTT_URL is set (node/mqtt_runtime.py).
    mqtt = None
    if settings.node_mqtt_url:
        from gangting.node.mqtt_runtime import node_runtime

        mqtt = node_runtime(
            settings,
            kiosk,
            mode=mode,
            watch_list=watch_list,
            build_hardware=lambda: (
                simulated_hardware(settings) if settings.simulators else real_hardware(settings)
            ),
            cameras=lambda: cameras.status() if cameras is not None else [],
            restart_cameras=restart_cameras if cameras is not None else None,
            clock=wall_clock,
        )
    # Remote assist (远程协助): a help call (button or screen) opens it with the centre.
    assist = AssistRelay(centre)
    hardware.help_button.on_press(assist.open)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        worker = threading.Thread(target=_background, args=(kiosk, stop), daemon=True)
        kiosk.faces.start()  # face models load in the background: the first citizen won't wait
        if hardware.document_camera is not None:
            preload_ocr()  # so does the OCR of the document camera (拍摄体检证明)
        if mqtt is not None:
            mqtt.start()
        if background:
            worker.start()
            assist.start()
            watch_list.start(settings.watch_list_refresh_s)
            if cameras is not None:
                cameras.start()
        try:
            yield
        finally:
            if cameras is not None:
                cameras.stop()  # trackers flushed into the outbox before it closes
            watch_list.stop()
            if mqtt is not None:
                mqtt.stop()  # "offline", then DISCONNECT; unacknowledged rows stay queued
            stop.set()
            kiosk.outbox.wake()
            if background:
                worker.join(timeout=5)
            kiosk.sessions.close()  # memory wiped; pending step keys stay for the restart
            assist.stop()
            centre.close()
            store.close()

    app = offline_app(
        title=f"岗亭 {settings.booth_code} kiosk", version=__version__, lifespan=lifespan
    )
    app.state.kiosk = kiosk
    app.state.cameras = cameras
    app.state.assist = assist
    app.state.mode = mode
    app.state.watch_list = watch_list
    app.state.plate_reads = plate_sink
    app.state.mqtt = mqtt
    install_error_handlers(app)
    app.add_middleware(ServerTiming)
    app.add_middleware(SecurityHeaders)  # the kiosk pages: no framing, no sniffing
    app.include_router(kiosk_router)
    app.include_router(mode_router)
    app.include_router(more_router)
    app.include_router(assist_router)
    app.include_router(accident_router)
    if settings.simulators:
        app.include_router(sim_router)

    @app.get("/healthz", include_in_schema=False, response_model=Health)
    def healthz() -> dict[str, Any]:
        return {"ok": True, "booth": settings.booth_code}

    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True, check_dir=False), name="kiosk")
    return app
