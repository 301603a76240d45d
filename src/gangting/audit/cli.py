"""`gangting audit …`: check the ledger from the command line (decision 0009)."""

from __future__ import annotations

import typer
from rich.console import Console

from gangting.audit.ledger import Report, verify
from gangting.config import Settings
from gangting.kernel.clock import SystemClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory

audit_app = typer.Typer(
    help="审计账本 the audit ledger: verify, checkpoint, prove", no_args_is_help=True
)
console = Console()


def _report(database_url: str) -> Report:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(session_factory(engine), SystemClock()) as uow:
            return verify(uow.session)
    finally:
        engine.dispose()


@audit_app.command("verify")
def verify_command() -> None:
    """Walk the chain; name the first bad entry and every business row that no longer
    matches. Exit status 1 when anything is wrong."""
    report = _report(Settings().database_url)
    console.print(f"账本条目 entries: {report.entries:,}   链头 head: {report.head_hash}")
    console.print(f"已登记业务数据 bound rows: {report.bound_rows:,}")
    for table, count in sorted(report.unbound_rows.items()):
        console.print(
            f"[yellow]未登记[/] unbound {table}: {count:,} "
            "（账本启用前或绕过系统写入 written before the ledger or around the application）"
        )
    if report.ok:
        console.print("[green]账本完整 ledger verified: no entry or bound row was changed[/]")
        return
    for problem in report.problems:
        where = f"第 {problem.seq} 条 " if problem.seq is not None else ""
        entry = f"entry {problem.entry_id} " if problem.entry_id else ""
        console.print(f"[red]✗ {problem.kind}[/] {where}{entry}{problem.message}")
    raise typer.Exit(1)
