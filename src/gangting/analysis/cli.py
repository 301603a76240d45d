"""`gangting analyse …`: the reform-effect analysis from the command line (decision 0020)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gangting.analysis.did import (
    CONTROL_NAMES,
    BasePeriod,
    Control,
    DidResult,
    Estimate,
    PanelError,
    callaway_santanna,
    event_study_svg,
    read_panel_csv,
)

analyse_app = typer.Typer(
    help="改革成效分析 reform-effect analysis: difference-in-differences", no_args_is_help=True
)
console = Console()

CONTROLS: dict[str, Control] = {"never": "never", "notyet": "notyet"}
BASE_PERIODS: dict[str, BasePeriod] = {"varying": "varying", "universal": "universal"}


@analyse_app.callback()
def analyse() -> None:
    """改革成效分析：错时实施的双重差分（Callaway–Sant'Anna）与事件研究。"""


def _fail(error: PanelError) -> typer.Exit:
    typer.echo(f"错误 {error.code}：{error.message}", err=True)
    return typer.Exit(2)


@analyse_app.command("did")
def did_command(
    panel: Annotated[
        Path,
        typer.Option(
            "--panel",
            help="面板 CSV，列 unit,period,first_treated,outcome（first_treated 0 = 从未实施）",
        ),
    ],
    control: Annotated[
        str, typer.Option("--control", help="对照组 never（从未实施）| notyet（尚未实施）")
    ] = "never",
    alpha: Annotated[float, typer.Option("--alpha", help="显著性水平，置信区间为 1−alpha")] = 0.05,
    base_period: Annotated[
        str, typer.Option("--base-period", help="实施前各期的基期 varying | universal")
    ] = "varying",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="同时把事件研究图写成 SVG 文件")] = None,
    title: Annotated[str, typer.Option("--title", help="图的标题")] = "事件研究 event study",
) -> None:
    """Callaway–Sant'Anna 双重差分：ATT(g,t)、按组汇总的 ATT（标准误、置信区间）、
    事件研究和平行趋势检验。输入有误时给出中文说明并以状态 2 退出。"""
    try:
        if control not in CONTROLS:
            raise PanelError(
                f"--control 只能是 never 或 notyet，不是 {control!r}",
                code="analysis.did.bad_option",
            )
        if base_period not in BASE_PERIODS:
            raise PanelError(
                f"--base-period 只能是 varying 或 universal，不是 {base_period!r}",
                code="analysis.did.bad_option",
            )
        result = callaway_santanna(
            read_panel_csv(panel),
            control=CONTROLS[control],
            alpha=alpha,
            base_period=BASE_PERIODS[base_period],
        )
        if svg is not None:
            try:
                svg.write_text(event_study_svg(result, title=title), encoding="utf-8")
            except OSError as exc:
                raise PanelError(
                    f"无法写入图文件 {svg}：{exc.strerror or exc}",
                    code="analysis.did.unwritable",
                ) from None
    except PanelError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_tables(result)
    if svg is not None:
        console.print(f"事件研究图已写入 {svg}")


def _cells(estimate: Estimate) -> list[str]:
    return [
        f"{estimate.att:.4f}",
        f"{estimate.se:.4f}",
        f"[{estimate.ci_low:.4f}, {estimate.ci_high:.4f}]",
    ]


def _print_tables(result: DidResult) -> None:
    level = f"{(1.0 - result.alpha) * 100:g}%"
    console.print(
        f"单位 units {result.n_units}  时期 periods {result.n_periods}  "
        f"对照组 control {CONTROL_NAMES[result.control]}  基期 base {result.base_period}  "
        f"置信水平 {level}"
    )
    if result.always_treated_dropped:
        console.print(
            f"[yellow]已剔除 {result.always_treated_dropped} 个首期前已实施的单位[/]"
            "（没有实施前的数据可比较）"
        )

    summary = Table(title="汇总 aggregated ATT")
    for heading in ("口径", "ATT", "SE", f"{level} CI"):
        summary.add_column(heading, justify="right" if heading != "口径" else "left")
    summary.add_row("按组汇总 group (overall)", *_cells(result.overall))
    summary.add_row("简单加权 simple", *_cells(result.simple))
    console.print(summary)

    pretrend = result.pretrend
    if pretrend.df == 0 or pretrend.p_value != pretrend.p_value:
        console.print(f"平行趋势检验 pre-trend: 无法计算（实施前格子 {pretrend.df} 个）")
    else:
        console.print(
            f"平行趋势检验 pre-trend: χ²({pretrend.df}) = {pretrend.statistic:.3f}, "
            f"p = {pretrend.p_value:.4f}"
        )

    events = Table(title="事件研究 event study (dynamic)")
    for heading in ("t − g", "ATT", "SE", f"{level} CI"):
        events.add_column(heading, justify="right")
    for row in result.event_study:
        events.add_row(str(row.event_time), *_cells(row.estimate))
    console.print(events)

    cells = Table(title="ATT(g,t) 组别-时期处理效应")
    for heading in ("组 g", "期 t", "t − g", "ATT", "SE", f"{level} CI"):
        cells.add_column(heading, justify="right")
    for cell in result.att_gt:
        cells.add_row(
            str(cell.group),
            str(cell.period),
            str(cell.period - cell.group),
            *_cells(cell.estimate),
        )
    console.print(cells)
