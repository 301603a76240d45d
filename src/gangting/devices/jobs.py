"""Entry points for the command line and `gangting up` (wired in cli.py): start the
embedded broker and the centre's link, trim the telemetry history, sweep expired commands,
issue a booth's broker password, write Mosquitto's files. Each takes Settings and builds
only what it needs (engine, clock); nothing runs at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
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
from gangting.devices.mosquitto import BrokerFiles, TlsListener, write_broker_files
from gangting.devices.tls import (
    OWNER_ONLY,
    FileAccess,
    broker_file_access,
    broker_user_ids,
    write_demo_pki,
)
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


@dataclass(frozen=True)
class TlsOptions:
    """The booths' TLS listener for ``write_mosquitto_files``: on ``host:port``; with
    ``ca_file``/``cert_file``/``key_file`` (production: your own CA), else a demo CA and
    certificates made under ``OUT_DIR/tls`` (``devices.tls.write_demo_pki``); ``plain``
    False leaves out the booths' password listener (booths over TLS only)."""

    port: int = 8883
    host: str = "0.0.0.0"
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    crl_file: Path | None = None
    server_names: tuple[str, ...] = ()
    plain: bool = True


def write_mosquitto_files(
    settings: Settings,
    out_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 1883,
    centre_host: str = "127.0.0.1",
    centre_port: int | None = 1885,
    persistence_dir: Path | None = None,
    tls: TlsOptions | None = None,
    run_as: str | None = None,
    euid: int | None = None,
) -> BrokerFiles:
    """Mosquitto's password files, ACL file and configuration from the booth registry; the
    centre's account is ``GANGTING_MQTT_USERNAME`` / ``GANGTING_MQTT_PASSWORD``. Booths
    connect to ``host:port`` (and over TLS to ``tls``'s); the centre's processes to
    ``centre_host:centre_port`` (their ``GANGTING_MQTT_URL``, e.g. ``mqtt://127.0.0.1:1885``).
    Files are readable by the broker's user (``run_as``, else ``mosquitto``) when written by
    root (``devices.tls.broker_file_access``)."""
    if not settings.mqtt_password:
        raise ValueError("GANGTING_MQTT_PASSWORD is required for the centre's broker account")
    access = broker_file_access(
        os.geteuid() if euid is None else euid, broker_user_ids(run_as or "mosquitto")
    )
    engine, new_uow = open_database(settings)
    try:
        listener = None
        if tls is not None:
            listener = booth_tls_listener(out_dir, tls, new_uow, access)
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
            run_as=run_as,
            tls_listener=listener,
            booths_plain=tls is None or tls.plain,
            access=access,
        )
    finally:
        engine.dispose()


def booth_tls_listener(
    out_dir: Path, tls: TlsOptions, new_uow: UowFactory, access: FileAccess
) -> TlsListener:
    """The TLS listener of ``tls``: its own CA's files, or a demo CA with a certificate for
    every booth that has a broker account (made, or the CA reused, under ``out_dir/tls``)."""
    if tls.ca_file is not None or tls.cert_file is not None or tls.key_file is not None:
        if tls.ca_file is None or tls.cert_file is None or tls.key_file is None:
            raise ValueError("--ca-file, --cert-file and --key-file go together")
        return TlsListener(
            tls.host, tls.port, tls.ca_file, tls.cert_file, tls.key_file, tls.crl_file
        )
    with new_uow() as uow:
        codes = [code for code, _ in credentials.broker_accounts(uow)]
        now = uow.clock.now()
    pki = write_demo_pki(
        out_dir / "tls",
        codes,
        now,
        server_names=list(tls.server_names) or None,
        broker_access=access,
    )
    return TlsListener(tls.host, tls.port, pki.ca_file, pki.cert_file, pki.key_file, tls.crl_file)


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
    tls_listener: TlsListener | None = None,
    booths_plain: bool = True,
    access: FileAccess = OWNER_ONLY,
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
        tls_listener=tls_listener,
        booths_plain=booths_plain,
        access=access,
    )


def mosquitto_files_main(args: list[str], settings: Settings) -> str:
    """``mosquitto-files OUT_DIR [--host H] [--port P] [--centre-host H] [--centre-port P]
    [--tls [--tls-port P] [--tls-host H] [--tls-only] [--server-name N]…
    [--ca-file F --cert-file F --key-file F [--crl-file F]]] [--user U]``; what it wrote."""
    import argparse

    parser = argparse.ArgumentParser(prog="gangting mosquitto-files")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--host", default="0.0.0.0", help="booths' listener address")
    parser.add_argument("--port", type=int, default=1883, help="booths' listener port")
    parser.add_argument("--centre-host", default="127.0.0.1", help="centre's listener")
    parser.add_argument("--centre-port", type=int, default=1885, help="centre's port")
    parser.add_argument("--persistence-dir", type=Path, default=None)
    parser.add_argument("--user", default=None, help="the broker's system user (mosquitto)")
    parser.add_argument("--tls", action="store_true", help="a TLS listener for booths")
    parser.add_argument("--tls-host", default="0.0.0.0")
    parser.add_argument("--tls-port", type=int, default=8883)
    parser.add_argument("--tls-only", action="store_true", help="no password listener")
    parser.add_argument("--server-name", action="append", default=[], help="broker's names")
    parser.add_argument("--ca-file", type=Path, default=None, help="your CA (production)")
    parser.add_argument("--cert-file", type=Path, default=None, help="the broker's cert")
    parser.add_argument("--key-file", type=Path, default=None, help="the broker's key")
    parser.add_argument("--crl-file", type=Path, default=None, help="revoked booth certs")
    opts = parser.parse_args(args)
    tls = None
    if opts.tls or opts.tls_only or opts.ca_file is not None:
        tls = TlsOptions(
            opts.tls_port,
            opts.tls_host,
            opts.ca_file,
            opts.cert_file,
            opts.key_file,
            opts.crl_file,
            tuple(opts.server_name),
            plain=not opts.tls_only,
        )
    files = write_mosquitto_files(
        settings,
        opts.out_dir,
        host=opts.host,
        port=opts.port,
        centre_host=opts.centre_host,
        centre_port=opts.centre_port,
        persistence_dir=opts.persistence_dir,
        tls=tls,
        run_as=opts.user,
    )
    said = f"wrote {files.conf_file}; centre: mqtt://{opts.centre_host}:{opts.centre_port}"
    if tls is not None:
        said += f"; booths over TLS: mqtts://{opts.tls_host}:{opts.tls_port}"
        if tls.ca_file is None:
            said += f" (demo CA and booth certificates in {opts.out_dir / 'tls'})"
    return said


def main(argv: list[str] | None = None) -> None:
    """``python -m gangting.devices.jobs purge-telemetry [DAYS] | sweep-commands |
    mosquitto-files OUT_DIR [--host H] [--port P] [--centre-host H] [--centre-port P]
    [--tls …]`` (``mosquitto_files_main``; also ``gangting mosquitto-files``)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    settings = Settings()
    if args[:1] == ["mosquitto-files"]:
        print(mosquitto_files_main(args[1:], settings))
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
