"""Entry points for the command line and `gangting up` (wired in cli.py): start the
embedded broker and the centre's link, trim the telemetry history, sweep expired commands,
issue a booth's broker password, write Mosquitto's files. Each takes Settings and builds
only what it needs (engine, clock); nothing runs at import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from gangting.alerts.rules import FaultPolicy
from gangting.booths import commands, credentials, retention
from gangting.config import Settings
from gangting.context import settings_clock
from gangting.desks.booth_reports import clock_window
from gangting.devices.centre_link import CentreLink
from gangting.devices.connection import BrokerAddress
from gangting.devices.embedded_broker import EmbeddedBroker
from gangting.devices.ingest import InboundRouter, PlateReadHandler
from gangting.devices.mosquitto import BrokerFiles, write_broker_files
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import Clock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory

UowFactory = Callable[[], UnitOfWork]


def open_database(settings: Settings, clock: Clock | None = None) -> tuple[Engine, UowFactory]:
    """An engine and a unit-of-work factory with the configured clock (demo clock or
    system clock), as the server builds them."""
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    resolved = clock or settings_clock(settings)
    return engine, lambda: UnitOfWork(sessions, resolved)


def start_embedded_broker(settings: Settings) -> EmbeddedBroker | None:
    """With ``GANGTING_MQTT_BROKER=embedded`` (the default) start amqtt on
    ``GANGTING_MQTT_URL``'s host and port; None when an external broker is configured."""
    if settings.mqtt_broker != "embedded":
        return None
    address = BrokerAddress.parse(settings.mqtt_url)
    broker = EmbeddedBroker(address.host, address.port, centre_username=settings.mqtt_username)
    broker.start()
    return broker


def start_centre_link(
    settings: Settings, new_uow: UowFactory, *, plate_reads: PlateReadHandler | None = None
) -> CentreLink:
    """Connect the centre to the broker and start ingest and command dispatch (run it in
    one process only: the client id is the centre's username)."""
    link = CentreLink(
        InboundRouter(
            new_uow,
            plate_reads=plate_reads,
            faults=FaultPolicy(settings.booth_max_temperature_c),
            clock_window=clock_window(settings),
        ),
        new_uow,
        BrokerAddress.parse(settings.mqtt_url),
        username=settings.mqtt_username,
        password=settings.mqtt_password or None,
        keepalive_s=settings.mqtt_keepalive_s,
        dispatch_interval_s=settings.mqtt_dispatch_interval_s,
        workers=1 if settings.database_url.startswith("sqlite") else settings.mqtt_ingest_workers,
        max_batch=settings.mqtt_ingest_batch,
        linger_s=settings.mqtt_ingest_linger_ms / 1000,
    )
    link.start()
    return link


def purge_telemetry_history(settings: Settings, keep_days: int | None = None) -> int:
    """Delete telemetry readings older than ``keep_days`` (default
    ``GANGTING_TELEMETRY_RETENTION_DAYS``, 30); returns how many."""
    engine, new_uow = open_database(settings)
    try:
        return retention.purge_telemetry(new_uow, keep_days or settings.telemetry_retention_days)
    finally:
        engine.dispose()


def sweep_expired_commands(settings: Settings) -> int:
    engine, new_uow = open_database(settings)
    try:
        with new_uow() as uow:
            return commands.expire_commands(uow)
    finally:
        engine.dispose()


def issue_broker_password(
    settings: Settings, booth_code: str, password: str | None = None
) -> dict[str, Any]:
    """Give a booth a new broker password (printed once; only its hash is kept)."""
    engine, new_uow = open_database(settings)
    try:
        with new_uow() as uow:
            return credentials.issue_broker_password(uow, SYSTEM, booth_code, password)
    finally:
        engine.dispose()


def write_mosquitto_files(
    settings: Settings,
    out_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 1883,
    centre_host: str = "127.0.0.1",
    centre_port: int | None = 1885,
    persistence_dir: Path | None = None,
) -> BrokerFiles:
    """Mosquitto's password files, ACL file and configuration from the booth registry; the
    centre's account is ``GANGTING_MQTT_USERNAME`` / ``GANGTING_MQTT_PASSWORD``. Booths
    connect to ``host:port``; the centre's processes to ``centre_host:centre_port``
    (their ``GANGTING_MQTT_URL``, e.g. ``mqtt://127.0.0.1:1885``)."""
    if not settings.mqtt_password:
        raise ValueError("GANGTING_MQTT_PASSWORD is required for the centre's broker account")
    engine, new_uow = open_database(settings)
    try:
        return registry_broker_files(
            new_uow,
            out_dir,
            centre_username=settings.mqtt_username,
            centre_password=settings.mqtt_password,
            host=host,
            port=port,
            centre_host=centre_host,
            centre_port=centre_port,
            persistence_dir=persistence_dir,
        )
    finally:
        engine.dispose()


def registry_broker_files(
    new_uow: UowFactory,
    out_dir: Path,
    *,
    centre_username: str,
    centre_password: str,
    host: str = "127.0.0.1",
    port: int = 1883,
    centre_host: str = "127.0.0.1",
    centre_port: int | None = None,
    persistence_dir: Path | None = None,
    run_as: str | None = None,
) -> BrokerFiles:
    """The broker files for every booth registered in the database ``new_uow`` opens and
    the centre's account (``write_mosquitto_files``; private brokers of tests and benchmarks)."""
    with new_uow() as uow:
        accounts = credentials.broker_accounts(uow)
    return write_broker_files(
        out_dir,
        centre_username=centre_username,
        centre_password_hash=credentials.mosquitto_hash(centre_password),
        accounts=accounts,
        host=host,
        port=port,
        centre_host=centre_host,
        centre_port=centre_port,
        persistence_dir=persistence_dir,
        run_as=run_as,
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m gangting.devices.jobs purge-telemetry [DAYS] | sweep-commands |
    mosquitto-files OUT_DIR [--host H] [--port P] [--centre-host H] [--centre-port P]``."""
    import argparse
    import sys

    args = sys.argv[1:] if argv is None else argv
    settings = Settings()
    if args[:1] == ["mosquitto-files"]:
        parser = argparse.ArgumentParser(prog="python -m gangting.devices.jobs mosquitto-files")
        parser.add_argument("out_dir", type=Path)
        parser.add_argument("--host", default="0.0.0.0", help="booths' listener address")
        parser.add_argument("--port", type=int, default=1883, help="booths' listener port")
        parser.add_argument("--centre-host", default="127.0.0.1", help="centre's listener")
        parser.add_argument("--centre-port", type=int, default=1885, help="centre's port")
        parser.add_argument("--persistence-dir", type=Path, default=None)
        opts = parser.parse_args(args[1:])
        files = write_mosquitto_files(
            settings,
            opts.out_dir,
            host=opts.host,
            port=opts.port,
            centre_host=opts.centre_host,
            centre_port=opts.centre_port,
            persistence_dir=opts.persistence_dir,
        )
        print(f"wrote {files.conf_file}; centre: mqtt://{opts.centre_host}:{opts.centre_port}")
    elif args[:1] == ["purge-telemetry"]:
        days = int(args[1]) if len(args) > 1 else None
        print(f"deleted {purge_telemetry_history(settings, days)} telemetry readings")
    elif args[:1] == ["sweep-commands"]:
        print(f"expired {sweep_expired_commands(settings)} commands")
    else:
        raise SystemExit(
            "usage: python -m gangting.devices.jobs purge-telemetry [DAYS] | sweep-commands"
            " | mosquitto-files OUT_DIR"
        )


if __name__ == "__main__":
    main()
