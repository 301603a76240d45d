"""The facts of issue 14's booth businesses that the bulk rows cannot hold, written for the
demo personas through the real services (docs/decisions/0030):

- ``full_score_done``: the 满分 record of its 12 points (记分办法 第17条), as violation
  processing writes it; its study and exam are on the learning platform (seed.personas).
- ``review_due`` (and ``full_score_done``): their education records on the learning platform.
- ``instalments``: an application for instalments of one fine (行政处罚法 第66条第2款),
  filed at a booth three days ago and granted by the detachment two days ago.
- ``objection``: an objection to one camera record (处理程序规定 第5条第3款) filed three
  days ago; the unit asked for more materials yesterday.
- ``senior``: a passed 三力测试 on the test device (驾驶证规定 第73条第3款), to be recorded at
  the booth by its reference.

Each step runs in its own unit of work with the clock set to the step's time (as
``seed.agents``), so the audit ledger holds them as they would have happened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from gangting.citizens.models import Citizen
from gangting.config import Settings
from gangting.context import Context, build_context
from gangting.desks import fine_deferrals, referrals
from gangting.fines.deferral_rules import DeferralKind
from gangting.fines.deferrals import DeferralTerms
from gangting.fines.models import PenaltyDecision
from gangting.integrations.cognitive_test import CognitiveTestResult, FakeCognitiveTestDevice
from gangting.integrations.learning import FakeLearningPlatform
from gangting.kernel.actor import Actor
from gangting.kernel.clock import CITY_ZONE, FixedClock
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.rules import scoring_cycle
from gangting.points import service as points
from gangting.points.rules import full_score_consequences
from gangting.referrals import service as referral_service
from gangting.referrals.rules import Step
from gangting.seed.org import OrgPlan
from gangting.seed.personas import PersonaCase
from gangting.violations.models import Violation

INSTALMENTS = 3
HARDSHIP = "家庭成员患病住院，近期医疗支出较大，一次缴清罚款确有困难"
STATEMENT = "该时段本车停放在小区车库内，未在该路段行驶，疑似被他人套用号牌"
MORE_NOTE = "请补充提供该时段车辆停放位置的照片或小区出入记录"


@dataclass
class ServiceFacts:
    """What was written, for the demo credentials: (what, reference, ID number) lines."""

    refs: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{what}\t{ref}\t{id_number}" for what, ref, id_number in self.refs]


def plant_services(
    settings: Settings, plan: OrgPlan, cases: list[PersonaCase], today: date
) -> ServiceFacts:
    """Write the facts above for the personas seeded in ``cases`` (absent ones: skipped)."""
    facts = ServiceFacts()
    by_role = {c.persona.role: c for c in cases}
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    learning = FakeLearningPlatform(settings.var_dir / "fake_learning_platform.db")
    device = FakeCognitiveTestDevice(settings.var_dir / "fake_cognitive_tests.db")
    ctx = build_context(settings, clock=_at(today, 0), learning=learning, cognitive_tests=device)
    try:
        for case in cases:
            for record in case.education:
                learning.add_education(record)
        if "full_score_done" in by_role:
            _full_score(ctx, by_role["full_score_done"], today)
        booth, staff = _actors(plan)
        if "instalments" in by_role:
            facts.refs.append(_instalments(ctx, booth, staff, by_role["instalments"], today))
        if "objection" in by_role:
            facts.refs.append(_objection(ctx, booth, staff, by_role["objection"], today))
        if "senior" in by_role:
            facts.refs.append(_cognitive_test(device, by_role["senior"], today))
    finally:
        ctx.close()
    return facts


def _at(today: date, days_ago: int, hour: int = 10) -> FixedClock:
    return FixedClock(datetime.combine(today - timedelta(days=days_ago), time(hour), CITY_ZONE))


@contextmanager
def _uow(ctx: Context, clock: FixedClock) -> Iterator[UnitOfWork]:
    with UnitOfWork(ctx.sessions, clock) as uow:
        yield uow


def _actors(plan: OrgPlan) -> tuple[Actor, Actor]:
    """The first booth (it files the applications) and the detachment's administrator (it
    grants the plan and asks for the objection's materials)."""
    paths = {u.id: u.path for u in plan.units}
    b = plan.booths[0]
    admin = next(s for s in plan.staff if s.role == "admin")
    return (
        Actor("booth", b.id, b.code, org_path=paths[b.org_unit_id]),
        Actor("staff", admin.id, admin.username, role="admin", org_path=paths[admin.org_unit_id]),
    )


def _citizen(uow: UnitOfWork, case: PersonaCase) -> Citizen:
    return uow.session.execute(select(Citizen).where(Citizen.id == case.person.id)).scalar_one()


def _earliest_decision(uow: UnitOfWork, citizen: Citizen) -> PenaltyDecision:
    return uow.session.execute(
        select(PenaltyDecision)
        .where(PenaltyDecision.citizen_id == citizen.id)
        .order_by(PenaltyDecision.decided_at)
        .limit(1)
    ).scalar_one()


def _full_score(ctx: Context, case: PersonaCase, today: date) -> None:
    """The 满分 record as processing writes it on the day the 12th point was decided."""
    with _uow(ctx, _at(today, 50, hour=11)) as uow:
        lic = case.licence
        cycle = scoring_cycle(lic.first_issued_on, today - timedelta(days=50))
        consequence = full_score_consequences(12, 1, lic.classes.split(","))
        points.open_full_score(uow, case.person.id, cycle, 12, consequence)


def _instalments(
    ctx: Context, booth: Actor, staff: Actor, case: PersonaCase, today: date
) -> tuple[str, str, str]:
    """Instalments of the earlier of the two unpaid fines: applied, then granted."""
    policy = fine_deferrals.deferral_policy(ctx.settings)
    with _uow(ctx, _at(today, 3)) as uow:
        citizen = _citizen(uow, case)
        decision = _earliest_decision(uow, citizen)
        terms = DeferralTerms(DeferralKind.INSTALMENTS, HARDSHIP, None, INSTALMENTS)
        applied = fine_deferrals.apply(uow, booth, citizen, decision.decision_no, terms, policy)
        deferral_no = str(applied["deferral"]["deferral_no"])
    with _uow(ctx, _at(today, 2)) as uow:
        fine_deferrals.grant(uow, staff, {"deferral_no": deferral_no, "note": None}, ctx.settings)
    return ("instalments", deferral_no, case.person.id_number)


def _objection(
    ctx: Context, booth: Actor, staff: Actor, case: PersonaCase, today: date
) -> tuple[str, str, str]:
    """An objection to the older of the two camera records, then a request for more."""
    terms = referrals.referral_terms(ctx.settings, ctx.calendar)
    with _uow(ctx, _at(today, 3)) as uow:
        citizen = _citizen(uow, case)
        rows = uow.session.execute(
            select(Violation)
            .where(Violation.plate_no.in_([v.plate_no for v in case.vehicles]))
            .order_by(Violation.occurred_at)
        ).scalars()
        violation = next(iter(rows))
        filed = referrals.file_objection(
            uow,
            booth,
            citizen,
            violation_ref=violation.ref,
            statement=STATEMENT,
            evidence_refs=[f"ZP{violation.ref[2:]}"],
            terms=terms,
            notifier=None,
        )
        referral_no = str(filed["referral"]["referral_no"])
    for days_ago, step, note in ((2, Step.ACCEPT, None), (1, Step.REQUEST_MORE, MORE_NOTE)):
        with _uow(ctx, _at(today, days_ago)) as uow:
            referral = referral_service.find_referral(uow, referral_no, lock=True)
            referral_service.take_step(uow, staff, referral, step, note, terms=terms, notifier=None)
    return ("objection", referral_no, case.person.id_number)


def _cognitive_test(
    device: FakeCognitiveTestDevice, case: PersonaCase, today: date
) -> tuple[str, str, str]:
    """A passed ability test taken yesterday, on the device (recorded at the booth)."""
    ref = f"SL{today:%Y%m%d}{case.person.id_number[-4:]}"
    device.add_result(
        CognitiveTestResult(
            ref=ref,
            id_number=case.person.id_number,
            taken_on=today - timedelta(days=1),
            memory_passed=True,
            judgement_passed=True,
            reaction_passed=True,
        )
    )
    return ("cognitive_test", ref, case.person.id_number)
