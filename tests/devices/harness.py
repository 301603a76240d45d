"""Brokers and MQTT clients for the device tests: the test run's own Mosquitto
(tests/mosquitto.py), the embedded amqtt broker, and a private Mosquitto started from
generated files.

Tests on the run's Mosquitto use booth codes and client ids of their own, and wipe their
persistent sessions and retained messages afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from gangting.booths import commands
from gangting.booths.models import Booth, BoothCommand, BoothState
from gangting.booths.topics import availability_topic, state_topic
from gangting.devices.centre_link import CentreLink
from gangting.devices.connection import BrokerAddress
from gangting.devices.embedded_broker import wait_for_port
from gangting.devices.ingest import InboundRouter, PlateReadHandler
from gangting.devices.jobs import registry_broker_files
from gangting.devices.mosquitto import BrokerFiles
from gangting.kernel.actor import Actor
from gangting.kernel.clock import Clock
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.node.mqtt_link import BoothLink, CommandHandler, CommandResult
from gangting.staff.models import OrgUnit, StaffAccount

# The centre's account on a private Mosquitto.
CENTRE = "gangting-centre"
CENTRE_PASSWORD = "centre-secret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], object], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def plain_client(
    url: str,
    client_id: str,
    *,
    username: str | None = None,
    password: str | None = None,
    clean_session: bool = True,
) -> mqtt.Client:
    address = BrokerAddress.parse(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
    )
    if username:
        client.username_pw_set(username, password)
    client._test_address = address  # type: ignore[attr-defined]
    return client


def connect(client: mqtt.Client, timeout_s: float = 10.0) -> bool:
    """Connect and start the loop; True once the broker accepted the client."""
    accepted: list[bool] = []

    def on_connect(_c: mqtt.Client, _u: object, _f: object, rc: object, _p: object) -> None:
        accepted.append(not rc.is_failure)  # type: ignore[attr-defined]

    client.on_connect = on_connect
    address: BrokerAddress = client._test_address  # type: ignore[attr-defined]
    client.connect_async(address.host, address.port, 30)
    client.loop_start()
    wait_until(lambda: accepted, timeout_s)
    if not (accepted and accepted[0]):
        client.loop_stop()
        return False
    return True


class Harness:
    """Centre and booth links on one broker, stopped and wiped at the end of a test."""

    def __init__(self, url: str, new_uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.url = url
        self.address = BrokerAddress.parse(url)
        self.new_uow = new_uow
        self.clock = clock
        self._links: list[CentreLink | BoothLink] = []
        self._client_ids: list[tuple[str, str | None, str | None]] = []
        self._booths: list[str] = []

    def centre(
        self,
        *,
        username: str = "gangting-centre",
        password: str | None = None,
        client_id: str | None = None,
        plate_reads: PlateReadHandler | None = None,
        dispatch_interval_s: float = 0.1,
        workers: int = 1,
    ) -> CentreLink:
        client_id = client_id or f"centre-test-{uuid.uuid4().hex[:8]}"
        link = CentreLink(
            InboundRouter(self.new_uow, plate_reads=plate_reads),
            self.new_uow,
            self.address,
            username=username,
            password=password,
            client_id=client_id,
            dispatch_interval_s=dispatch_interval_s,
            workers=workers,
        )
        self._links.append(link)
        self._client_ids.append((client_id, username, password))
        link.start()
        assert link.wait_connected(10), "centre did not connect"
        return link

    def booth(
        self,
        code: str,
        *,
        password: str | None = None,
        on_command: CommandHandler | None = None,
        connect: bool = True,
    ) -> BoothLink:
        link = BoothLink(
            code,
            self.address,
            password=password,
            on_command=on_command or (lambda _c: CommandResult(ok=True)),
            clock=self.clock,
        )
        self._links.append(link)
        self._client_ids.append((code, code, password))
        self._booths.append(code)
        if connect:
            link.start()
            assert link.wait_connected(10), f"booth {code} did not connect"
        return link

    def close(self) -> None:
        for link in reversed(self._links):
            try:
                link.stop(timeout_s=3)
            except Exception:  # a link a test already aborted
                pass
        # Leave nothing behind on a shared broker: sessions and retained messages.
        for client_id, username, password in self._client_ids:
            client = plain_client(self.url, client_id, username=username, password=password)
            if connect(client, 5):
                if client_id in self._booths:
                    for topic in (availability_topic(client_id), state_topic(client_id)):
                        client.publish(topic, b"", qos=1, retain=True).wait_for_publish(3)
                client.disconnect()
                client.loop_stop()


class PrivateMosquitto:
    """A Mosquitto of one test's own on a free port with a generated configuration."""

    def __init__(self, conf_file: Path, port: int, log_file: Path) -> None:
        self.port = port
        self.url = f"mqtt://127.0.0.1:{port}"
        self._log = log_file.open("wb")
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = subprocess.Popen(
            [binary, "-c", str(conf_file)], stdout=self._log, stderr=subprocess.STDOUT
        )
        if not wait_for_port("127.0.0.1", port, 10):
            self.stop()
            raise RuntimeError(f"mosquitto did not start: {log_file.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


def mosquitto_available() -> bool:
    return shutil.which("mosquitto") is not None or Path("/usr/sbin/mosquitto").exists()


def run_as() -> str | None:
    """Mosquitto started as root drops to user 'mosquitto', which cannot read files in a
    private test directory; tell it to stay."""
    return "root" if os.geteuid() == 0 else None


def private_broker_files(
    new_uow: Callable[[], UnitOfWork],
    directory: Path,
    port: int,
    *,
    centre_port: int | None = None,
    persistence_dir: Path | None = None,
) -> BrokerFiles:
    """Password and ACL files for a private Mosquitto: every registered booth's account
    and the centre's (``CENTRE``, ``CENTRE_PASSWORD``); with ``centre_port`` also the
    centre's own listener on it."""
    return registry_broker_files(
        new_uow,
        directory,
        centre_username=CENTRE,
        centre_password=CENTRE_PASSWORD,
        port=port,
        centre_port=centre_port,
        persistence_dir=persistence_dir,
        run_as=run_as(),
    )


def booth_state(new_uow: Callable[[], UnitOfWork], code: str) -> BoothState | None:
    """The booth's current state row, if the centre has one."""
    with new_uow() as uow:
        return uow.session.execute(
            select(BoothState)
            .join(Booth, Booth.id == BoothState.booth_id)
            .where(Booth.code == code)
        ).scalar_one_or_none()


def staff_actor(new_uow: Callable[[], UnitOfWork], username: str) -> Actor:
    """The staff account ``username`` as an actor, with its role and org unit."""
    with new_uow() as uow:
        account = uow.session.execute(
            select(StaffAccount).where(StaffAccount.username == username)
        ).scalar_one()
        unit = uow.session.get_one(OrgUnit, account.org_unit_id)
        return Actor("staff", account.id, username, role=account.role, org_path=unit.path)


def issue_command(
    new_uow: Callable[[], UnitOfWork],
    username: str,
    code: str,
    kind: str,
    params: dict[str, object] | None = None,
    expires_in_s: int = 60,
) -> uuid.UUID:
    """A remote command to booth ``code`` issued by staff account ``username``."""
    actor = staff_actor(new_uow, username)
    with new_uow() as uow:
        view = commands.issue_command(uow, actor, code, kind, params or {}, expires_in_s, None)
    return uuid.UUID(view["id"])


def command_state(new_uow: Callable[[], UnitOfWork], command_id: uuid.UUID) -> str:
    with new_uow() as uow:
        return uow.session.get_one(BoothCommand, command_id).state


class Listener:
    """A plain client that records every message it receives and every lost connection."""

    def __init__(
        self, url: str, username: str, password: str, client_id: str | None = None
    ) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.disconnects = 0
        self.client = plain_client(url, client_id or username, username=username, password=password)
        self.client.on_message = lambda _c, _u, m: self.messages.append((m.topic, bytes(m.payload)))
        self.ok = connect(self.client)
        self.client.on_disconnect = self._gone

    def _gone(self, *_args: object) -> None:
        self.disconnects += 1

    def topics(self) -> list[str]:
        return [t for t, _ in self.messages]

    def payloads(self) -> list[bytes]:
        return [bytes(p) for _, p in self.messages]

    def subscribe(self, topic_filter: str) -> None:
        done: list[int] = []
        self.client.on_subscribe = lambda *_a: done.append(1)
        self.client.subscribe(topic_filter, qos=1)
        assert wait_until(lambda: done, 5)

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
