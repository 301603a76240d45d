"""The demo city: fills an empty database with a realistic Baotou (包头, 蒙B).

Orchestration only: org tree, booths and staff, then drivers in chunks (citizens,
licences, vehicles, three years of violations with decisions, payments and points),
streamed into the database with the fastest path of each backend (seed.bulk).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, func, select

from gangting import all_models as m
from gangting.config import Settings
from gangting.integrations.learning import FakeLearningPlatform, StudyCompletion
from gangting.kernel.calendar import add_years
from gangting.kernel.clock import CITY_ZONE, SystemClock, city_date
from gangting.kernel.db import make_engine
from gangting.migrate import upgrade
from gangting.seed.agents import Planted, plant_activity
from gangting.seed.bulk import BulkWriter
from gangting.seed.fleet import VEHICLE_COLUMNS, PlateFactory, make_vehicle, owned_count
from gangting.seed.history import (
    DECISION_COLUMNS,
    HISTORY_YEARS,
    PAYMENT_COLUMNS,
    PAYMENT_ITEM_COLUMNS,
    POINT_COLUMNS,
    VIOLATION_COLUMNS,
    Booth,
    History,
)
from gangting.seed.licensing import LICENCE_COLUMNS, make_licence
from gangting.seed.org import OrgPlan, plan_org
from gangting.seed.people import CITIZEN_COLUMNS, IdNumberFactory, make_person
from gangting.seed.personas import PERSONAS, PersonaCase, make_case
from gangting.seed.places import camera_sites
from gangting.seed.rings import plant_point_ring
from gangting.seed.services import ServiceFacts, plant_services
from gangting.seed.visits import VISIT_COLUMNS, SeedBooth, VisitHistory, booth_openings
from gangting.violations.catalogue import install_catalogue, load_catalogue


@dataclass(frozen=True)
class Scale:
    drivers: int
    booths: int
    chunk: int
    visits: float = 1.0  # service visits at this share of the city's volume (seed.visits)


SCALES: dict[str, Scale] = {
    "tiny": Scale(drivers=200, booths=3, chunk=200, visits=0.05),
    "demo": Scale(drivers=5_000, booths=12, chunk=5_000, visits=0.25),
    # RULES.md §8: 103万 drivers, 90.5万 cars.
    "city": Scale(drivers=1_030_000, booths=60, chunk=20_000, visits=1.0),
}
COUNTED_TABLES = (
    m.ViolationCode,
    m.OrgUnit,
    m.StaffAccount,
    m.Booth,
    m.Citizen,
    m.DrivingLicence,
    m.Vehicle,
    m.Violation,
    m.PenaltyDecision,
    m.Payment,
    m.PaymentItem,
    m.PointEntry,
    m.ServiceVisit,
)


@dataclass
class SeedReport:
    """What the seed wrote: rows per table, wall time, and the demo date it assumed."""

    scale: str
    seed: int
    today: date
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    planted: Planted = field(default_factory=Planted)


class SeedRefused(typer.Exit):
    """The seed cannot run (unknown scale, database not empty).

    A typer ``Exit`` (code 1): the message is printed by ``seed_database`` and the CLI ends
    without a traceback; library callers catch it like any exception.
    """

    def __init__(self, message: str) -> None:
        super().__init__(1)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _refuse(console: Console, message: str) -> SeedRefused:
    console.print(f"[bold red]{message}[/]")
    return SeedRefused(message)


def _today(settings: Settings) -> date:
    if settings.demo_clock:
        instant = datetime.fromisoformat(settings.demo_clock)
        return city_date(instant) if instant.tzinfo is not None else instant.date()
    return SystemClock().today()


def _has_citizens(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(m.Citizen.id).limit(1)).first() is not None


def database_is_empty(settings: Settings) -> bool:
    """True when the (already migrated) database has no citizens."""
    engine = make_engine(settings.database_url)
    try:
        return not _has_citizens(engine)
    finally:
        engine.dispose()


def seed_database(settings: Settings, *, scale: str, seed: int, console: Console) -> SeedReport:
    """Migrate if needed, refuse a database that has citizens, and build the city.

    Deterministic for a given ``seed`` and demo date (primary keys are fresh UUIDv7s).
    """
    if scale not in SCALES:
        raise _refuse(
            console, f"未知规模 unknown scale {scale!r}: choose one of {', '.join(SCALES)}"
        )
    started = time.perf_counter()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        if _has_citizens(engine):
            raise _refuse(
                console,
                "数据库已有公民数据，拒绝重复生成 / the database already has citizens; "
                "seed only an empty database (drop it or use a new file)",
            )
        report = SeedReport(scale=scale, seed=seed, today=_today(settings))
        _build(engine, settings, SCALES[scale], scale, seed, report, console)
        with engine.connect() as conn:
            for model in COUNTED_TABLES:
                report.counts[model.__tablename__] = int(
                    conn.execute(select(func.count()).select_from(model)).scalar_one()
                )
    finally:
        engine.dispose()
    report.seconds = round(time.perf_counter() - started, 2)
    _print_summary(console, report, settings)
    return report


def _build(
    engine: Engine,
    settings: Settings,
    size: Scale,
    scale: str,
    seed: int,
    report: SeedReport,
    console: Console,
) -> None:
    rng = random.Random(seed)
    today = report.today
    demo_secrets = scale != "city"
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with engine.begin() as conn:
        install_catalogue(conn)
    with Progress(*columns, console=console, transient=False) as progress:
        org_task = progress.add_task("机构 岗亭 民警 org, booths, staff", total=3)
        plan = plan_org(rng, size.booths, demo_secrets=demo_secrets)
        history_start = add_years(today, -HISTORY_YEARS)
        openings = booth_openings(
            [(b.id, b.district_code) for b in plan.booths], history_start, today
        )
        for planned in plan.booths:
            planned.opened_on = openings[planned.id]
        progress.advance(org_task)
        plan.hash_secrets()
        progress.advance(org_task)
        with BulkWriter(engine) as writer:
            plan.write(writer, datetime(today.year, today.month, today.day, 8, tzinfo=CITY_ZONE))
            writer.commit()
            progress.advance(org_task)

            catalogue = load_catalogue()
            booths = [Booth(b.id, b.district_code) for b in plan.booths]
            first_open: dict[str, date] = {}
            for b in plan.booths:
                if b.opened_on is not None:
                    first_open[b.district_code] = min(
                        b.opened_on, first_open.get(b.district_code, b.opened_on)
                    )
            history = History(rng, today, catalogue, camera_sites(rng), booths, first_open)
            ids = IdNumberFactory(rng)
            plates = PlateFactory(rng, settings.plate_prefix)
            task = progress.add_task(
                "驾驶人 车辆 违法 drivers, vehicles, violations", total=size.drivers
            )
            cases: list[PersonaCase] = []
            for done, n in _chunks(size.drivers, size.chunk):
                cases += _chunk(writer, rng, ids, plates, history, today, n, first=done == 0)
                writer.commit()
                progress.advance(task, n)
            _write_visits(writer, plan, history_start, today, seed, size.visits, progress)
        activity = progress.add_task("岗亭与民警近期业务 recent booth and staff work", total=1)
        report.planted = plant_activity(
            engine, plan, today, seed, exclude={c.person.id for c in cases}
        )
        progress.advance(activity)
    _write_study_completions(settings, cases, today)
    services = plant_services(settings, plan, cases, today)
    if demo_secrets:
        _write_credentials(settings, plan, cases, today, report.planted, services)


def _write_visits(
    writer: BulkWriter,
    plan: OrgPlan,
    start: date,
    today: date,
    seed: int,
    scale: float,
    progress: Progress,
) -> None:
    """The service visits of the history, month by month (own random stream: the rest of
    the city stays what it was before visits were seeded)."""
    booths = [SeedBooth(b.id, b.district_code, b.opened_on or today) for b in plan.booths]
    visits = VisitHistory(random.Random(seed + 13), start, today, booths, scale=scale)
    months = (today.year - start.year) * 12 + today.month - start.month + 1
    task = progress.add_task("到访 service visits (months)", total=months)
    for rows in visits.months():
        writer.write(m.ServiceVisit, VISIT_COLUMNS, rows)
        writer.commit()
        progress.advance(task)


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    done = 0
    while done < total:
        n = min(size, total - done)
        yield done, n
        done += n


def _chunk(
    writer: BulkWriter,
    rng: random.Random,
    ids: IdNumberFactory,
    plates: PlateFactory,
    history: History,
    today: date,
    n: int,
    *,
    first: bool,
) -> list[PersonaCase]:
    people, licences, vehicles = [], [], []
    cases: list[PersonaCase] = []
    if first:
        for persona in PERSONAS[: max(0, min(len(PERSONAS), n))]:
            case = make_case(persona, rng, ids, plates, history, today)
            cases.append(case)
            people.append(case.person)
            licences.append(case.licence)
            vehicles += case.vehicles
    while len(people) < n:
        person = make_person(rng, ids, today)
        licence = make_licence(
            rng,
            citizen_id=person.id,
            id_number=person.id_number,
            birth=person.birth_date,
            today=today,
        )
        owned = owned_count(rng)
        if licence.learner_until is not None and rng.random() < 0.5:
            owned = 0
        for _ in range(owned):
            vehicle = make_vehicle(
                rng, plates, owner_id=person.id, earliest=licence.first_issued_on, today=today
            )
            history.random_for_vehicle(vehicle, licence, person.area_code)
            vehicles.append(vehicle)
        history.settle_licence(licence)
        people.append(person)
        licences.append(licence)
    if first:  # the supervision office's detectors have a ring to find (seed.rings)
        plant_point_ring(history, rng, licences[len(cases) :], vehicles, today)
    rows = history.take_rows()
    writer.write(m.Citizen, CITIZEN_COLUMNS, [p.row() for p in people])
    writer.write(m.DrivingLicence, LICENCE_COLUMNS, [lic.row() for lic in licences])
    writer.write(m.Vehicle, VEHICLE_COLUMNS, [v.row() for v in vehicles])
    writer.write(m.Violation, VIOLATION_COLUMNS, rows.violations)
    writer.write(m.PenaltyDecision, DECISION_COLUMNS, rows.decisions)
    writer.write(m.Payment, PAYMENT_COLUMNS, rows.payments)
    writer.write(m.PaymentItem, PAYMENT_ITEM_COLUMNS, rows.payment_items)
    writer.write(m.PointEntry, POINT_COLUMNS, rows.points)
    history.forget([p.id for p in people])
    return cases


def _study_ref(today: date, n: int) -> str:
    return f"XF{today:%Y%m%d}{n:04d}"


def _write_study_completions(settings: Settings, cases: list[PersonaCase], today: date) -> None:
    studies = [c for c in cases if c.study is not None]
    if not studies:
        return
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    platform = FakeLearningPlatform(settings.var_dir / "fake_learning_platform.db")
    for n, case in enumerate(studies, start=1):
        assert case.study is not None
        way, minutes = case.study
        platform.add_completion(
            StudyCompletion(
                ref=_study_ref(today, n),
                id_number=case.person.id_number,
                way=way,
                minutes=minutes,
                exam_passed=True,
                completed_on=today - timedelta(days=1),
            )
        )


def _write_credentials(
    settings: Settings,
    plan: OrgPlan,
    cases: list[PersonaCase],
    today: date,
    planted: Planted,
    services: ServiceFacts,
) -> None:
    lines = [
        "# 岗亭 gangting 演示账号 / demo credentials (demo data only, never production)",
        f"# 演示日期 demo date: {today.isoformat()}",
        "",
        "## 岗亭 Booths (code / secret / address)",
    ]
    lines += [f"{b.code}\t{b.secret}\t{b.name}\t{b.address}" for b in plan.booths]
    lines += [
        "",
        "## 工作人员 Staff (username / password / role / unit / TOTP secret: admins and "
        "supervisors log in with its code; `gangting demo-code USERNAME` shows it)",
    ]
    lines += [
        f"{s.username}\t{s.password}\t{s.role}\t{s.unit_code}\t{s.totp_secret or '-'}"
        for s in plan.staff
    ]
    lines += ["", "## 演示群众 Demo citizens (role / name / ID number / plates / situation)"]
    for case in cases:
        plates = ",".join(v.plate_no for v in case.vehicles) or "-"
        lines.append(
            f"{case.persona.role}\t{case.person.name}\t{case.person.id_number}\t{plates}\t"
            f"{case.persona.zh} / {case.persona.en}"
        )
    lines += ["", "## 学法减分学习记录 Study completions (ref / ID number / way / minutes)"]
    studies = [c for c in cases if c.study is not None]
    for n, case in enumerate(studies, start=1):
        assert case.study is not None
        lines.append(
            f"{_study_ref(today, n)}\t{case.person.id_number}\t{case.study[0]}\t{case.study[1]}"
        )
    lines += [
        "",
        "## 岗亭业务演示编号 Booth business refs (what / ref / ID number; decision 0030)",
        *services.lines(),
    ]
    lines += [
        "",
        "## 演示线索 Planted for the detectors (pattern / who / where / what; docs/decisions/0011)",
        *planted.lines(),
    ]
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    (settings.var_dir / "demo-credentials.txt").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )


def _print_summary(console: Console, report: SeedReport, settings: Settings) -> None:
    table = Table(
        title=f"演示城市 demo city: 包头 scale={report.scale} seed={report.seed} "
        f"today={report.today.isoformat()}"
    )
    table.add_column("表 table")
    table.add_column("行数 rows", justify="right")
    for name, rows in report.counts.items():
        table.add_row(name, f"{rows:,}")
    table.add_row("[bold]耗时 seconds", f"[bold]{report.seconds:.1f}")
    console.print(table)
    if report.scale != "city":
        console.print(f"演示账号 demo logins: {settings.var_dir / 'demo-credentials.txt'}")


__all__ = ["SCALES", "SeedRefused", "SeedReport", "database_is_empty", "seed_database"]
