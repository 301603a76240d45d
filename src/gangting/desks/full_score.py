"""Full-score clearance (满分清除): once the study and exams of a 满分 are recorded by the
learning platform and the fines are paid, the cycle's points are cleared and the detained
licence returned (记分办法 第23条) — exactly once per 满分."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gangting.applications.service import answer, record_application
from gangting.citizens.models import Citizen
from gangting.fines.models import PenaltyDecision
from gangting.integrations.learning import LearningPlatform
from gangting.kernel import law
from gangting.kernel.actor import Actor
from gangting.kernel.clock import city_date
from gangting.kernel.errors import Conflict
from gangting.kernel.refusal import ensure_allowed
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.licences.rules import LicenceStatus, scoring_cycle
from gangting.licences.service import licence_view, lock_licence
from gangting.points import service as ledger
from gangting.points.models import FullScoreRecord
from gangting.points.rules import (
    Exam,
    ExamResult,
    PointSourceKind,
    StudySession,
    StudyWay,
    full_score_clearance,
    full_score_study_days,
)

_A = law.SCORING


class NoOpenFullScore(Conflict):
    code = "points.no_open_full_score"


def unpaid_fines(uow: UnitOfWork, citizen: Citizen) -> int:
    """The citizen's penalty decisions whose fine is not paid yet."""
    return int(
        uow.session.execute(
            select(func.count())
            .select_from(PenaltyDecision)
            .where(
                PenaltyDecision.citizen_id == citizen.id,
                PenaltyDecision.state != "paid",
                PenaltyDecision.fine_fen > 0,
            )
        ).scalar_one()
    )


def _education(
    platform: LearningPlatform, citizen: Citizen, records: list[FullScoreRecord]
) -> tuple[list[StudySession], list[ExamResult], list[str]]:
    """The study days and exam results the platform recorded since the earliest open 满分."""
    since = min(city_date(r.reached_at) for r in records)
    sessions: list[StudySession] = []
    exams: list[ExamResult] = []
    refs: list[str] = []
    for e in platform.education_records(citizen.id_number):
        if e.on < since or e.id_number != citizen.id_number:
            continue
        if e.kind == "full_score_study" and e.way in {w.value for w in StudyWay}:
            sessions.append(StudySession(e.on, StudyWay(str(e.way)), e.minutes))
            refs.append(e.ref)
        elif e.kind == "full_score_exam" and e.exam in {x.value for x in Exam}:
            exams.append(ExamResult(Exam(str(e.exam)), e.on, bool(e.passed)))
            refs.append(e.ref)
    return sessions, exams, refs


def clear_full_score(
    uow: UnitOfWork, actor: Actor, citizen: Citizen, platform: LearningPlatform
) -> dict[str, Any]:
    """Clear the points of the open 满分 and return the licence (记分办法 第23条).

    Several open 满分 (a second one reached before the first was cleared) are cleared
    together against the latest one's study and exams, which include the earlier ones'
    (第18条: +7/+30 days per extra 满分; 第22条: more exams). Refused with every missing
    condition; cleared once: the records go to 'cleared' and the ledger line is unique."""
    licence = lock_licence(uow, citizen.id)
    records = ledger.full_score_records(uow, citizen.id, state="open")
    if not records:
        raise NoOpenFullScore(
            "没有需要清除的满分记录",
            legal_basis=[f"{_A} 第23条"],
        )
    latest = records[-1]
    sessions, exams, refs = _education(platform, citizen, records)
    decision = full_score_clearance(
        study_days_required=latest.study_days,
        min_onsite_online_days=latest.min_onsite_online_days,
        min_onsite_days=latest.min_onsite_days,
        exams_required=[Exam(x) for x in latest.exams.split(",") if x],
        study=full_score_study_days(sessions),
        exams=exams,
        unpaid_fines=unpaid_fines(uow, citizen),
        on=uow.clock.today(),
    )
    ensure_allowed(decision)
    today = uow.clock.today()
    # The 满分's own cycle: a 满分 of an ended cycle is not carried over (第15条 applies
    # below 12 only), so its points are cleared where they stand.
    cycle = scoring_cycle(licence.first_issued_on, latest.cycle_start)
    current = ledger.points_in_cycle(uow, licence, cycle)
    cleared = max(current, 0)
    if cleared:
        ledger.record_points(
            uow,
            citizen.id,
            cycle,
            -cleared,
            source_kind=PointSourceKind.CLEARANCE,
            source_id=f"full_score:{latest.id}",
            legal_basis=f"{_A} 第23条",
        )
    returned = any(r.code == "points.licence_returned" for r in decision.reasons)
    if returned and licence.status == LicenceStatus.DETAINED:
        licence.status = LicenceStatus.VALID
    now = uow.clock.now()
    for record in records:
        record.state = "cleared"
        record.cleared_at = now
    result = {
        "points_cleared": cleared,
        "points_this_cycle": ledger.points_in_cycle(
            uow, licence, ledger.current_cycle(licence, today)
        ),
        "licence_returned": returned,
        "licence": licence_view(licence, today),
        "education_refs": refs,
    }
    application = record_application(
        uow,
        actor,
        service_item="full_score_clearance",
        citizen_id=citizen.id,
        state="completed",
        reasons=list(decision.reasons),
        result=result,
    )
    for record in records:
        record.clearance_receipt_no = application.receipt_no
    reply = answer(application)
    reply.pop("education_refs", None)
    return reply
