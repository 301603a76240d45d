"""``gangting report monthly|reform --from … --to … --format html|pdf``: the report written
to a file, with a progress bar (rich) over its steps."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gangting.config import Settings
from gangting.context import settings_clock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from gangting.reporting import service

STEPS = {
    "monthly": ["total", "months", "booths", "districts", "ratings", "html"],
    "reform": [
        "aggregates",
        "hall_visits",
        "one_visit_rate",
        "wait_min",
        "processing_days",
        "html",
    ],
}
STEP_ZH = {
    "total": "合计",
    "months": "按月趋势",
    "booths": "岗亭排名",
    "districts": "分区与事项",
    "ratings": "拒办原因、启用前后、好差评",
    "aggregates": "区×月汇总（SQL）",
    "hall_visits": "估计：服务大厅到访量",
    "one_visit_rate": "估计：一次办结率",
    "wait_min": "估计：平均等候时长",
    "processing_days": "估计：违法发生至处理天数",
    "html": "生成 HTML",
    "pdf": "生成 PDF（嵌入字体）",
}


def write_report(
    settings: Settings,
    kind: str,
    start: str | None,
    end: str | None,
    fmt: str,
    out: Path | None,
    console: Console,
) -> tuple[Path, float]:
    """Render the report into ``out`` (default: the file name in the current folder);
    returns the path and the seconds it took."""
    clock = settings_clock(settings)
    months = 1 if kind == "monthly" else 36
    first, last = service.parse_period(start, end, clock.today(), months=months)
    steps = STEPS.get(kind, ["html"]) + (["pdf"] if fmt == "pdf" else [])
    engine = make_engine(settings.database_url)
    began = time.perf_counter()
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task(f"{kind} {first}…{last}", total=len(steps))

            def tick(step: str) -> None:
                progress.update(task, advance=1, description=STEP_ZH.get(step, step))

            with UnitOfWork(session_factory(engine), clock) as uow:
                body = service.render(
                    uow.session, settings, kind, fmt, first, last, clock.now(), progress=tick
                )
    finally:
        engine.dispose()
    path = out or Path(service.file_name(kind, fmt, first, last))
    path.write_bytes(body)
    return path, time.perf_counter() - began
