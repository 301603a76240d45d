"""`gangting audit …`: check the ledger from the command line (decision 0009)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from gangting.audit.checkpoints import check_proof, make_checkpoint, prove, stored_checkpoints
from gangting.audit.grants import apply_grants
from gangting.audit.ledger import BOUND_MODELS
from gangting.audit.verifications import verify_and_record
from gangting.audit.verify import Report
from gangting.config import Settings
from gangting.kernel.checkpoint import load_or_create_key
from gangting.kernel.clock import SystemClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory

T = TypeVar("T")

audit_app = typer.Typer(
    help="审计账本 the audit ledger: verify, checkpoint, prove", no_args_is_help=True
)
console = Console()


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(session_factory(engine), SystemClock()) as uow:
            yield uow.session
    finally:
        engine.dispose()


def _report(settings: Settings) -> tuple[Report, float]:
    """Verify against the checkpoints in the file and the database, and the centre's key;
    the run is recorded (``ledger_verifications``) for the supervision screen."""
    key = load_or_create_key(settings.ledger_key_path)
    with _session(settings) as session:
        checkpoints = stored_checkpoints(session, settings.ledger_checkpoint_path)
        recorded = verify_and_record(
            session,
            at=SystemClock().now(),
            by="cli",
            checkpoints=checkpoints,
            public_key=key.public_key(),
        )
        return recorded.report, recorded.run.seconds


def _in_session(settings: Settings, work: Callable[[Session], T]) -> T:
    with _session(settings) as session:
        return work(session)


@audit_app.command("verify")
def verify_command() -> None:
    """Walk the chain; name the first bad entry and every business row that no longer
    matches; record the run. Exit status 1 when anything is wrong."""
    report, seconds = _report(Settings())
    console.print(f"账本条目 entries: {report.entries:,}   链头 head: {report.head_hash}")
    console.print(f"用时 took: {seconds:.2f} s（已记录 recorded for the supervision screen）")
    console.print(
        f"已登记业务数据 bound rows: {report.bound_rows:,}"
        f"（{len(BOUND_MODELS)} 张受保护的表 bound tables）"
    )
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


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the Merkle root over the ledger so far (the worker does it every hour)."""
    settings = Settings()
    key = load_or_create_key(settings.ledger_key_path)
    checkpoint = _in_session(
        settings,
        lambda session: make_checkpoint(
            session, key, SystemClock().now(), settings.ledger_checkpoint_path
        ),
    )
    if checkpoint is None:
        console.print("账本自上个检查点以来没有新条目 no new entries since the last checkpoint")
        return
    console.print(
        f"[green]检查点 checkpoint[/] {checkpoint.tree_size:,} 条 root {checkpoint.root.hex()} "
        f"→ {settings.ledger_checkpoint_path}"
    )


@audit_app.command("prove")
def prove_command(
    entry: Annotated[str, typer.Argument(help="条目编号（回执上的账本条目）或链上序号")],
    out: Annotated[Path | None, typer.Option(help="写入文件（默认打印）")] = None,
) -> None:
    """Print the inclusion proof of one entry against a signed checkpoint; anyone can check
    it offline with `gangting audit check-proof`."""
    settings = Settings()
    key = load_or_create_key(settings.ledger_key_path)
    try:
        proof = _in_session(
            settings,
            lambda session: prove(
                session, entry, stored_checkpoints(session, settings.ledger_checkpoint_path), key
            ),
        )
    except LookupError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    if out is None:
        typer.echo(proof.to_json())
    else:
        out.write_text(proof.to_json() + "\n", encoding="utf-8")
        console.print(f"证明已写入 proof written: {out}")


@audit_app.command("check-proof")
def check_proof_command(proof_file: Annotated[Path, typer.Argument(exists=True)]) -> None:
    """Check a proof file offline (no database): the entry, its link, the Merkle path to
    the checkpoint's root, and the checkpoint's signature."""
    failed = check_proof(json.loads(proof_file.read_text("utf-8")))
    if failed:
        for line in failed:
            console.print(f"[red]✗[/] {line}")
        raise typer.Exit(1)
    console.print("[green]证明有效 the entry is in the signed ledger[/]")


@audit_app.command("grants")
def grants_command(
    role: Annotated[str, typer.Option(help="应用程序使用的数据库角色 the application's role")],
) -> None:
    """PostgreSQL: give the application's role its privileges, append-only on the ledger
    (run as the owner, after each migration)."""
    engine = make_engine(Settings().database_url)
    try:
        apply_grants(engine, role)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    console.print(f"[green]{role}：账本只可追加 the ledger is append-only for this role[/]")
