"""The `gangting` command: migrate, seed, server, up."""

from __future__ import annotations

import typer
from rich.console import Console

from gangting.config import Settings

app = typer.Typer(
    help="岗亭 gangting — 交通智慧岗亭平台 / smart traffic-police booth platform",
    no_args_is_help=True,
)
console = Console()


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
def up(
    scale: str = typer.Option("demo", help="demo city size when the database is empty"),
    host: str | None = typer.Option(None),
    port: int | None = typer.Option(None),
) -> None:
    """Migrate, seed the demo city if empty, and serve the API with its docs."""
    from gangting.seed.city import database_is_empty, seed_database

    settings = Settings()
    migrate()
    if database_is_empty(settings):
        seed_database(settings, scale=scale, seed=20261126, console=console)
    h, p = host or settings.host, port or settings.port
    console.rule("[bold]岗亭 gangting 已启动 / is up")
    console.print(f"接口文档 API docs:     http://{h}:{p}/docs")
    console.print(f"健康检查 health:       http://{h}:{p}/healthz")
    console.print(f"数据库 database:       {settings.database_url}")
    console.print("演示账号 demo logins:  见 var/demo-credentials.txt (booths, staff)")
    console.print("按 Ctrl+C 停止 / press Ctrl+C to stop")
    server(host=h, port=p, workers=None)


def main() -> None:
    app()
