"""Booths with broker accounts and a private Mosquitto, for the MQTT benchmarks.

Never the machine's Mosquitto on 1883: its default ``max_queued_messages`` (1000) drops
QoS 1 messages for a subscriber that falls behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

from gangting.booths.credentials import issue_broker_password
from gangting.booths.models import Booth
from gangting.devices.embedded_broker import wait_for_port
from gangting.devices.jobs import registry_broker_files
from gangting.devices.mosquitto import BrokerFiles
from gangting.kernel.actor import SYSTEM
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit

CENTRE, CENTRE_PASSWORD = "gangting-centre", "bench-centre-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def register_booths(
    new_uow: Callable[[], UnitOfWork], codes: list[str], *, unit_code: str = "BENCH"
) -> dict[str, str]:
    """An org unit ``unit_code`` with the booths ``codes``, each with a broker account;
    answers each booth's broker password."""
    with new_uow() as uow:
        unit = OrgUnit(code=unit_code, name="压测", kind="brigade", path=f"/{unit_code}/")
        uow.session.add(unit)
        uow.session.flush()
        for code in codes:
            uow.session.add(
                Booth(
                    code=code,
                    name=code,
                    org_unit_id=unit.id,
                    district_code="150203",
                    address="-",
                    longitude=109.8,
                    latitude=40.6,
                    secret_hash="-",
                )
            )
        uow.session.flush()
        return {c: issue_broker_password(uow, SYSTEM, c)["password"] for c in codes}


def broker_files(
    new_uow: Callable[[], UnitOfWork],
    directory: Path,
    port: int,
    *,
    centre_port: int | None = None,
    persistence_dir: Path | None = None,
) -> BrokerFiles:
    """Password, ACL and configuration files for every registered booth and the centre
    (``CENTRE``/``CENTRE_PASSWORD``), as ``devices/mosquitto.py`` generates them (with the
    centre's own listener on ``centre_port`` when given)."""
    return registry_broker_files(
        new_uow,
        directory,
        centre_username=CENTRE,
        centre_password=CENTRE_PASSWORD,
        port=port,
        centre_port=centre_port,
        persistence_dir=persistence_dir,
        run_as="root" if os.geteuid() == 0 else None,
    )


class PrivateMosquitto:
    """Mosquitto from a generated configuration; stop (SIGTERM: it saves its persistence)
    and start again on the same files."""

    def __init__(self, conf_file: Path, port: int, log_file: Path) -> None:
        self.conf_file = conf_file
        self.port = port
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(
                [binary, "-c", str(self.conf_file)], stdout=log, stderr=subprocess.STDOUT
            )
        if not wait_for_port("127.0.0.1", self.port, 10):
            self.stop()
            raise RuntimeError(f"mosquitto did not start: {self.log_file.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
