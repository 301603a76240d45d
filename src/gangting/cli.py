"""The `gangting` command: migrate, detect, seed, server, booth, up, audit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gangting import all_models  # noqa: F401  (every table, the ledger's bound ones too)
from gangting.analysis.cli import analyse_app
from gangting.audit.cli import audit_app
from gangting.config import Settings
from gangting.surveys.cli import survey_app

DEMO_BOOTHS = 3

app = typer.Typer(
    help="岗亭 gangting — 交通智慧岗亭平台 / smart traffic-police booth platform",
    no_args_is_help=True,
)
console = Console()
app.add_typer(audit_app, name="audit")
app.add_typer(analyse_app, name="analyse")
app.add_typer(survey_app, name="survey")
booths_app = typer.Typer(help="岗亭登记 booth registry: evidence keys", no_args_is_help=True)
app.add_typer(booths_app, name="booths")


@booths_app.command("register-key")
def booths_register_key(
    code: str = typer.Argument(..., help="booth code, e.g. BT-KDL-001"),
    public_key: str = typer.Argument(..., help="the node's Ed25519 public key (base64)"),
) -> None:
    """Register (or replace) a booth node's evidence public key, as printed by
    `gangting booth-key` on the node (docs/decisions/0018); audited with its fingerprint."""
    from gangting.kernel.errors import DomainError

    try:
        done = register_booth_key(Settings(), code, public_key)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red] ({exc.code})")
        raise typer.Exit(1) from exc
    console.print(f"岗亭 {done['booth']} 签名公钥已登记 fingerprint {done['fingerprint']}")


def register_booth_key(settings: Settings, code: str, public_key: str) -> dict[str, object]:
    from gangting.booths.evidence_keys import register_evidence_key
    from gangting.devices.jobs import open_database
    from gangting.kernel.actor import SYSTEM

    engine, new_uow = open_database(settings)
    try:
        with new_uow() as uow:
            return register_evidence_key(uow, SYSTEM, code, public_key)
    finally:
        engine.dispose()


def provision_demo_booth_key(settings: Settings, code: str, node_var_dir: Path) -> str:
    """The demo's provisioning on one machine: make the node's key pair in the node's data
    dir (as the node itself would on first start) and register its public key at the
    centre, unless the registry already holds that key. The private key stays in the node's
    data dir; only the public key reaches the centre."""
    from sqlalchemy import select

    from gangting.booths.models import Booth
    from gangting.devices.jobs import open_database
    from gangting.node.evidence_key import key_path, load_or_create
    from gangting.node.evidence_key import public_key as node_public_key

    key = node_public_key(load_or_create(key_path(node_var_dir, code)))
    engine, new_uow = open_database(settings)
    try:
        with new_uow() as uow:
            registered = uow.session.execute(
                select(Booth.evidence_public_key).where(Booth.code == code)
            ).scalar_one_or_none()
    finally:
        engine.dispose()
    if registered != key:
        register_booth_key(settings, code, key)
    return key


@app.command("booth-key")
def booth_key(
    code: str = typer.Option(..., "--code", help="booth code, e.g. BT-KDL-001"),
) -> None:
    """Print this booth node's evidence public key (made on first use in the node's data
    dir, GANGTING_VAR_DIR, mode 0600) for an administrator to register at the centre."""
    from gangting.node.config import NodeSettings
    from gangting.node.evidence_key import key_path, load_or_create, public_key

    node = NodeSettings(booth_code=code)
    print(public_key(load_or_create(key_path(node.var_dir, code))))


@app.command("demo-code")
def demo_code(
    username: str = typer.Argument(..., help="demo account, e.g. admin, sup-kdl"),
) -> None:
    """The current TOTP code of a demo administrator or supervisor, from the public demo
    secret in var/demo-credentials.txt (an authenticator for trying the demo without a
    phone; production accounts bind their own secret, which no file holds)."""
    from gangting.kernel.clock import SystemClock
    from gangting.staff import totp

    path = Settings().var_dir / "demo-credentials.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for line in lines:
        parts = line.split("\t")
        if len(parts) >= 5 and parts[0] == username and parts[4] != "-":
            now = SystemClock().now()
            left = totp.STEP_S - int(now.timestamp()) % totp.STEP_S
            try:
                code = totp.code_at(parts[4], now)
            except ValueError:
                break  # a secret edited by hand and no longer valid base32 of 112+ bits
            print(f"{code}  （{left} 秒内有效 valid for {left} s）")
            return
    Console(stderr=True).print(f"[red]演示账号 {username} 没有动态验证码密钥（见 {path}）[/]")
    raise typer.Exit(2)


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version (Alembic)."""
    from gangting.kernel.db import make_engine
    from gangting.migrate import upgrade

    settings = Settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    console.print(f"[green]数据库已是最新结构[/] schema at head: {engine.url.render_as_string()}")


@app.command()
def detect() -> None:
    """Run the detectors over the records now and store their cases (as the worker's daily
    ``detection.run`` does); print the counts per pattern."""
    from gangting.desks.detection import run_detection, thresholds_from_settings
    from gangting.devices.jobs import open_database

    settings = Settings()
    engine, new_uow = open_database(settings)
    try:
        with new_uow() as uow:
            counts = run_detection(uow, thresholds_from_settings(settings))
    finally:
        engine.dispose()
    console.print("线索 cases per pattern: found / new / updated / reopened / unchanged")
    for pattern, c in counts.items():
        console.print(
            f"  {pattern:<28} {c.get('found', 0):>5} {c.get('new', 0):>5} "
            f"{c.get('updated', 0):>5} {c.get('reopened', 0):>5} {c.get('unchanged', 0):>5}"
        )


@app.command()
def seed(
    scale: str = typer.Option("demo", help="tiny | demo | city"),
    seed_value: int = typer.Option(20261126, "--seed", help="random seed (same seed, same city)"),
) -> None:
    """Fill an empty database with a realistic Baotou (包头, 蒙B)."""
    from gangting.seed.city import seed_database

    seed_database(Settings(), scale=scale, seed=seed_value, console=console)


@app.command()
def server(
    host: str | None = typer.Option(None),
    port: int | None = typer.Option(None),
    workers: int | None = typer.Option(None),
) -> None:
    """Serve the JSON API (no migration, no seeding)."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "gangting.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="warning",
    )


@app.command()
def worker() -> None:
    """Run the centre's worker: MQTT ingest, live events and the periodic jobs (one per
    centre, beside `gangting server`)."""
    import logging

    from gangting.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(Settings())


@app.command()
def broker(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(1884),
) -> None:
    """Run the embedded MQTT broker (amqtt) in the foreground, for a centre without
    Mosquitto; production uses Mosquitto (`python -m gangting.devices.jobs`)."""
    from gangting.devices.embedded_broker import main as broker_main

    broker_main(["--host", host, "--port", str(port)])


@app.command(
    "mosquitto-files",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def mosquitto_files(ctx: typer.Context) -> None:
    """Write Mosquitto's configuration, password and ACL files from the booth registry:
    OUT_DIR [--port 1883] [--centre-port 1885] [--tls [--tls-port 8883] [--tls-only]
    [--server-name broker.example] [--ca-file --cert-file --key-file [--crl-file]]]
    [--user mosquitto]. ``--tls`` alone makes a demo CA and one certificate per booth under
    OUT_DIR/tls; production passes its own CA's files (docs/decisions/0016). --help: all."""
    from gangting.devices.jobs import mosquitto_files_main

    try:
        console.print(mosquitto_files_main(list(ctx.args), Settings()))
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


@app.command()
def booth(
    code: str = typer.Option(..., "--code", help="booth code, e.g. BT-KDL-001"),
    port: int | None = typer.Option(None, help="kiosk port (default 8700)"),
    centre: str | None = typer.Option(None, help="centre URL (default http://127.0.0.1:8600)"),
    secret: str | None = typer.Option(None, help="booth secret (default GANGTING_BOOTH_SECRET)"),
    name: str | None = typer.Option(None, help="booth name shown on the kiosk"),
    simulators: bool | None = typer.Option(None, help="simulated hardware (default on)"),
    camera: Annotated[
        list[str] | None,
        typer.Option(
            "--camera", help="plate camera: sim | rtsp://… | device index | video | folder"
        ),
    ] = None,
    camera_fps: float | None = typer.Option(None, help="frames a second the cameras look at"),
    mqtt: str | None = typer.Option(
        None,
        "--mqtt",
        help="broker URL, e.g. mqtt://127.0.0.1:1884 (default GANGTING_NODE_MQTT_URL; "
        "none: HTTP only); password GANGTING_NODE_MQTT_PASSWORD",
    ),
) -> None:
    """Run a booth node: kiosk screens and API, hardware adapters, outbox to the centre."""
    import uvicorn

    from gangting.node.app import create_node_app
    from gangting.node.config import NodeSettings

    overrides: dict[str, object] = {"booth_code": code}
    for key, value in (
        ("node_port", port),
        ("centre_url", centre),
        ("booth_secret", secret),
        ("booth_name", name),
        ("simulators", simulators),
        ("node_mqtt_url", mqtt),
    ):
        if value is not None:
            overrides[key] = value
    if camera:
        overrides["cameras"] = [
            {"id": f"cam{n + 1}", "source": source, "fps": camera_fps}
            for n, source in enumerate(camera)
        ]
    settings = NodeSettings(**overrides)  # type: ignore[arg-type]
    console.print(
        f"岗亭 {code} 自助终端 kiosk: http://{settings.node_host}:{settings.node_port}/ "
        f"(centre {settings.centre_url})"
    )
    uvicorn.run(
        create_node_app(settings),
        host=settings.node_host,
        port=settings.node_port,
        log_level="warning",
    )


def _demo_booths(settings: Settings) -> list[tuple[str, str]]:
    """(code, name) of the first demo booths, from var/demo-credentials.txt."""
    path = settings.var_dir / "demo-credentials.txt"
    booths: list[tuple[str, str]] = []
    section = ""
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                section = line
            elif "Booths" in section and "\t" in line:
                parts = line.split("\t")
                booths.append((parts[0], parts[2] if len(parts) > 2 else ""))
    return booths[:DEMO_BOOTHS]


def _start_booths(settings: Settings, host: str, port: int) -> list[subprocess.Popen[bytes]]:
    from gangting.node.adapters.id_reader import load_demo_citizens
    from gangting.node.config import NodeSettings

    procs = []
    for n, (code, name) in enumerate(_demo_booths(settings)):
        node_port = 8700 + n
        provision_demo_booth_key(settings, code, NodeSettings(booth_code=code).var_dir)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gangting.cli",
                    "booth",
                    "--code",
                    code,
                    "--port",
                    str(node_port),
                    "--centre",
                    f"http://{host}:{port}",
                    "--secret",
                    f"demo-{code}",
                    "--name",
                    name,
                    # one simulated plate camera, 2 frames a second: reads without eating the CPU
                    "--camera",
                    "sim",
                    "--camera-fps",
                    "2",
                    # on the centre's broker: telemetry, state, plate reads, commands
                    "--mqtt",
                    settings.mqtt_url,
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        console.print(f"自助终端 kiosk {code} {name}: http://127.0.0.1:{node_port}/")
    citizens = load_demo_citizens(settings.var_dir / "demo-credentials.txt")
    if citizens:
        console.print("演示身份证 demo ID cards (在自助终端首页选择 / pick one on the kiosk):")
        for c in citizens[:6]:
            console.print(f"  {c.role:<20} {c.name}  {c.id_number}  {c.situation}")
    console.print(
        "违法缴款演示 violation payment: 选 unprocessed -> 核验 -> 处理 -> 缴款 -> 打印回执"
    )
    return procs


@app.command()
def up(
    scale: str = typer.Option("demo", help="demo city size when the database is empty"),
    host: str | None = typer.Option(None),
    port: int | None = typer.Option(None),
    booths: bool = typer.Option(True, help="also start 3 simulated booth nodes"),
) -> None:
    """Migrate, seed the demo city if empty, serve the API and start simulated booths."""
    from gangting.seed.city import database_is_empty, seed_database

    # The demo shows its API documentation to anyone (production: staff only, the default).
    os.environ.setdefault("GANGTING_API_DOCS", "public")
    settings = Settings()
    migrate()
    if database_is_empty(settings):
        seed_database(settings, scale=scale, seed=20261126, console=console)
    h, p = host or settings.host, port or settings.port
    console.rule("[bold]岗亭 gangting 已启动 / is up")
    console.print(f"指挥中心 command centre: http://{h}:{p}/centre/")
    console.print(f"民警手机 officer phone: http://{h}:{p}/m/")
    console.print(f"接口文档 API docs:     http://{h}:{p}/docs")
    console.print(f"健康检查 health:       http://{h}:{p}/healthz")
    console.print(f"数据库 database:       {settings.database_url}")
    console.print("演示账号 demo logins:  见 var/demo-credentials.txt (booths, staff)")
    broker = _start_broker(settings)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_start_worker())
        procs += _start_booths(settings, h, p) if booths else []
        console.print("按 Ctrl+C 停止 / press Ctrl+C to stop")
        server(host=h, port=p, workers=None)
    finally:
        # The broker's clients (booths, worker) go first; the broker stops when they are
        # gone (it is not in the terminal's process group, so Ctrl+C does not reach it).
        stop_processes(procs)
        stop_processes([broker] if broker is not None else [])


def stop_processes(procs: list[subprocess.Popen[bytes]], timeout_s: float = 10.0) -> None:
    """Ask them all to stop, then wait for each (killed when it does not stop in time)."""
    for proc in reversed(procs):
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _start_broker(settings: Settings) -> subprocess.Popen[bytes] | None:
    """The embedded MQTT broker, unless an external one is configured."""
    from gangting.devices.connection import BrokerAddress
    from gangting.devices.embedded_broker import spawn_embedded_broker

    address = BrokerAddress.parse(settings.mqtt_url)
    if settings.mqtt_broker != "embedded":
        console.print(f"消息代理 MQTT broker:  {settings.mqtt_url}")
        return None
    proc = spawn_embedded_broker(
        address.host, address.port, centre_username=settings.mqtt_username, own_session=True
    )
    console.print(f"消息代理 MQTT broker:  内置 embedded, {settings.mqtt_url}")
    return proc


def _start_worker() -> subprocess.Popen[bytes]:
    """The centre's worker (MQTT ingest, live events, periodic jobs)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gangting.cli", "worker"], stdout=subprocess.DEVNULL
    )


@app.command()
def report(
    kind: Annotated[str, typer.Argument(help="monthly（服务月报）| reform（改革成效）")],
    start: Annotated[
        str | None, typer.Option("--from", help="开始日期 YYYY-MM-DD（默认上月/前36个月）")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="结束日期 YYYY-MM-DD（含）")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html | pdf")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
) -> None:
    """Write the monthly service report or the reform-effect report (zh-CN) as HTML or PDF,
    with a progress bar; nothing is fetched from the network."""
    from gangting.kernel.errors import DomainError
    from gangting.reporting.cli import write_report

    try:
        path, seconds = write_report(Settings(), kind, start, end, fmt, out, console)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/] ({exc.code})")
        raise typer.Exit(2) from None
    console.print(f"[green]报告已生成[/] {path} ({path.stat().st_size:,} bytes, {seconds:.1f} s)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
