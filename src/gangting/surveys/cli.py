"""`gangting survey …`: import answer sheets from a CSV file and print a survey's analysis
(the same use cases as the staff API, acting as the system)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from gangting.config import Settings
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import SystemClock
from gangting.kernel.db import make_engine
from gangting.kernel.errors import DomainError
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.surveys import service

survey_app = typer.Typer(help="问卷 surveys: import answer sheets, analyse", no_args_is_help=True)
console = Console()
SurveyCode = Annotated[str, typer.Option("--survey", help="问卷代码, e.g. service_quality")]


def _run(settings: Settings, work: Callable[[UnitOfWork], dict[str, Any]]) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(session_factory(engine), SystemClock()) as uow:
            return work(uow)
    finally:
        engine.dispose()


def _refused(exc: DomainError) -> typer.Exit:
    console.print(f"[red]{escape(exc.message)}[/red] ({exc.code})")
    for problem in exc.data.get("errors", []):
        column = f"（{problem['column']}）" if problem.get("column") else ""
        console.print(f"  第 {problem['line']} 行{column}：{problem['message']}", markup=False)
    return typer.Exit(1)


@survey_app.command("import")
def import_file(
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="CSV 文件")],
    survey: SurveyCode = service.DEFAULT_SURVEY,
) -> None:
    """Import answer sheets from a CSV file: all rows or none (errors listed by line)."""
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        console.print("[red]文件不是 UTF-8 编码（请在 Excel 中另存为“CSV UTF-8”）[/red]")
        raise typer.Exit(1) from exc
    try:
        done = _run(
            Settings(),
            lambda uow: service.import_csv(
                uow, SYSTEM, survey_code=survey, text=text, file_name=file.name
            ),
        )
    except DomainError as exc:
        raise _refused(exc) from exc
    console.print(f"{done['message']}（问卷 {done['survey']} v{done['version']}）")


@survey_app.command("analyse")
def analyse(
    survey: SurveyCode = service.DEFAULT_SURVEY,
    as_json: Annotated[bool, typer.Option("--json", help="print the analysis as JSON")] = False,
) -> None:
    """Cronbach's α (Feldt CI), KMO, Bartlett, EFA and CFA per scale of a survey."""
    try:
        result = _run(Settings(), lambda uow: service.analyse_survey(uow, survey))
    except DomainError as exc:
        raise _refused(exc) from exc
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console.print(
        f"{result['title']}（{result['survey']} v{result['version']}）"
        f" 答卷 {result['responses']}，完整 {result['complete_responses']}"
    )
    for scale in result["scales"]:
        a = scale["alpha"]
        alpha = (
            f"α = {a['alpha']:.3f} [{a['ci_low']:.3f}, {a['ci_high']:.3f}] n={a['n']}"
            if "alpha" in a
            else a["message"]
        )
        kmo = scale["kmo"].get("overall")
        console.print(
            f"  {scale['name']}（{scale['scale']}）: {alpha}"
            + (f"; KMO = {kmo:.3f}" if kmo is not None else "")
        )
    fit = result["overall"]["cfa"].get("fit")
    if fit:
        console.print(
            f"  CFA: χ²({fit['df']:.0f}) = {fit['chi2']:.2f}, p = {fit['p']:.3g}, "
            f"CFI = {fit['CFI']:.3f}, TLI = {fit['TLI']:.3f}, RMSEA = {fit['RMSEA']:.3f}"
        )
