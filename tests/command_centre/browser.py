"""The command-centre screen's browser tests' stack: a real centre (uvicorn, two workers,
seeded `tiny` SQLite) whose live events go through the machine's Mosquitto under a prefix
of its own; this test process as "another centre process" (it writes through the domains'
services, runs the MQTT ingest and command dispatch, and publishes its committed changes);
booths over MQTT; a real booth node for the kiosk. Nothing here is a fake."""

from __future__ import annotations

import base64
import io
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from gangting.booths.ingest import InboundRouter
from gangting.command_centre.runtime import LivePublishing, start_live_publishing
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.devices.centre_link import CentreLink
from gangting.devices.connection import BrokerAddress
from gangting.kernel.clock import SystemClock
from gangting.node.mqtt_link import BoothLink, Command, CommandResult
from tests.devices.harness import connect, plain_client
from tests.kiosk.stack import ROOT, Centre

MOSQUITTO = "mqtt://127.0.0.1:1883"
SHOTS = ROOT / "docs" / "screens" / "command-centre"
FRAMES = ROOT / "src" / "gangting" / "node" / "cameras" / "sim_frames"
# The simulated cameras' frames (node/cameras/sim_frames) and where their plate is.
CROPS = {
    "蒙B7K2M9": ("mengb_010.jpg", (150, 330, 450, 560)),
    "蒙BA3058": ("mengb_015.jpg", (40, 300, 500, 660)),
}


def evidence_crop(plate: str = "蒙B7K2M9") -> str:
    """A camera frame's plate with the vehicle around it, as booths send it."""
    name, box = CROPS[plate]
    image = Image.open(FRAMES / name).crop(box).convert("RGB")
    image.thumbnail((320, 320))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return base64.b64encode(out.getvalue()).decode("ascii")


@dataclass
class LiveCentre(Centre):
    """The kiosk tests' centre with live events on Mosquitto and two workers."""

    prefix: str = field(default_factory=lambda: f"gangting-test/{uuid.uuid4().hex[:10]}/live")
    workers: int = 2

    def env(self) -> dict[str, str]:
        return {
            **super().env(),
            "GANGTING_MQTT_URL": MOSQUITTO,
            "GANGTING_LIVE_TOPIC_PREFIX": self.prefix,
        }

    def settings(self) -> Settings:
        return Settings(
            database_url=f"sqlite:///{self.db_path}",
            var_dir=self.var_dir,
            mqtt_url=MOSQUITTO,
            live_topic_prefix=self.prefix,
        )


@dataclass
class Ingest:
    """This process as the centre's MQTT ingest + dispatch and live publisher."""

    ctx: Context
    publishing: LivePublishing
    link: CentreLink
    client_id: str

    @classmethod
    def start(cls, settings: Settings) -> Ingest:
        ctx = build_context(settings, clock=SystemClock())
        publishing = start_live_publishing(settings)
        client_id = f"centre-screen-test-{uuid.uuid4().hex[:8]}"
        link = CentreLink(
            InboundRouter(ctx.uow),
            ctx.uow,
            BrokerAddress.parse(MOSQUITTO),
            username="gangting-centre",
            password=None,
            client_id=client_id,
            dispatch_interval_s=0.2,
        )
        link.start()
        assert link.wait_connected(10), "centre link did not connect"
        assert publishing.publisher.wait_connected(10), "live publisher did not connect"
        return cls(ctx, publishing, link, client_id)

    def stop(self) -> None:
        self.link.stop(timeout_s=3)
        self.publishing.stop()
        _wipe_session(self.client_id)
        self.ctx.engine.dispose()


@dataclass
class Booths:
    """Booths on the broker (their own MQTT links), answering commands."""

    links: dict[str, BoothLink] = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)

    def connect(self, code: str) -> BoothLink:
        def run(command: Command) -> CommandResult:
            self.commands.append(command)
            return CommandResult(ok=True, detail="已执行")

        link = BoothLink(code, BrokerAddress.parse(MOSQUITTO), password=None, on_command=run)
        link.start()
        assert link.wait_connected(10), f"booth {code} did not connect"
        self.links[code] = link
        return link

    def stop(self) -> None:
        for code, link in self.links.items():
            link.stop(timeout_s=3)
            client = plain_client(MOSQUITTO, code, username=code)
            if connect(client, 5):
                for topic in (
                    f"gangting/v1/booths/{code}/availability",
                    f"gangting/v1/booths/{code}/state",
                ):
                    client.publish(topic, b"", qos=1, retain=True).wait_for_publish(3)
                client.disconnect()
                client.loop_stop()


def _wipe_session(client_id: str) -> None:
    """Leave no persistent session behind on the shared broker."""
    client = plain_client(MOSQUITTO, client_id, username="gangting-centre", clean_session=True)
    if connect(client, 5):
        client.disconnect()
        client.loop_stop()


def shots_dir(tmp: Path) -> Path:
    """docs/screens/command-centre with GANGTING_WRITE_SCREENS=1, else a temporary folder."""
    if os.environ.get("GANGTING_WRITE_SCREENS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)


Json = dict[str, Any]
