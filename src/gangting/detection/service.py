"""Detection cases: store what the detectors propose (one case per pattern and subject,
updated by each run), list them within the caller's unit, and record a supervisor's
verdict. Every verdict, and every decided case a rerun reopens, goes into the audit log in
the same unit of work."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from gangting.audit import service as audit
from gangting.detection.models import DetectionCase
from gangting.detection.rules import (
    NOTE_MAX_LENGTH,
    PATTERN_ZH,
    VERDICT_ZH,
    CaseState,
    Pattern,
    Proposal,
    Verdict,
    state_after_rerun,
    verdict_note,
)
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.errors import Conflict, Invalid, NotFound
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.scope import require_scope, scope_filter
from gangting.staff.service import require_role


class CaseNotFound(NotFound):
    code = "detection.case_not_found"


class NoteRequired(Invalid):
    code = "detection.note_required"


class AlreadyDecided(Conflict):
    code = "detection.already_decided"


def upsert_cases(uow: UnitOfWork, proposals: Iterable[Proposal]) -> dict[str, dict[str, int]]:
    """Store the proposals: a new subject opens a case; a known one gets the new numbers and
    records (``last_seen_at`` moves); a decided one stays decided unless the proposal names
    records its stored evidence does not (then it is reopened, audited). One read of the
    patterns' cases, no query per proposal. Answers counts per pattern: new, updated,
    reopened."""
    items = list(proposals)
    now = uow.clock.now()
    counts: dict[str, Counter[str]] = {}
    if not items:
        return {}
    patterns = sorted({p.pattern for p in items})
    stored = {
        (c.pattern, c.subject_kind, c.subject_id): c
        for c in uow.session.execute(
            select(DetectionCase).where(DetectionCase.pattern.in_(patterns))
        ).scalars()
    }
    for p in items:
        tally = counts.setdefault(p.pattern.value, Counter())
        evidence = p.evidence_json()
        reasons = [r.to_json() for r in p.reasons]
        case = stored.get((p.pattern, p.subject_kind, p.subject_id))
        if case is None:
            case = DetectionCase(
                pattern=p.pattern,
                subject_kind=p.subject_kind,
                subject_id=p.subject_id,
                subject_label=p.subject_label[:200],
                unit_path=p.unit_path,
                score=p.score,
                reasons=reasons,
                evidence=evidence,
                state=CaseState.OPEN,
                first_seen_at=now,
                last_seen_at=now,
            )
            uow.session.add(case)
            stored[(p.pattern, p.subject_kind, p.subject_id)] = case
            tally["new"] += 1
            continue
        state = state_after_rerun(case.state, case.evidence, evidence)
        if state is not case.state:
            audit.record(
                uow,
                SYSTEM,
                "detection_case.reopened",
                "detection_case",
                case.id,
                data={
                    "pattern": case.pattern.value,
                    "previous_state": case.state.value,
                    "previous_verdict_by": str(case.verdict_by) if case.verdict_by else None,
                },
            )
            case.state = state
            case.verdict_by = None
            case.verdict_at = None
            case.verdict_note = None
            tally["reopened"] += 1
        elif case.state is CaseState.OPEN:
            tally["updated"] += 1
        else:
            tally["unchanged"] += 1
        if case.state is CaseState.OPEN:
            # a decided case keeps the numbers and records it was judged on
            case.subject_label = p.subject_label[:200]
            case.unit_path = p.unit_path
            case.score = p.score
            case.reasons = reasons
            case.evidence = evidence
        case.last_seen_at = now
    uow.session.flush()
    return {k: dict(v) for k, v in sorted(counts.items())}


def case_view(case: DetectionCase) -> dict[str, Any]:
    return {
        "id": str(case.id),
        "pattern": case.pattern.value,
        "pattern_zh": PATTERN_ZH[case.pattern],
        "subject_kind": case.subject_kind,
        "subject_id": case.subject_id,
        "subject_label": case.subject_label,
        "unit_path": case.unit_path,
        "score": round(case.score, 4),
        "reasons": case.reasons,
        "evidence": case.evidence,
        "state": case.state.value,
        "verdict_by": str(case.verdict_by) if case.verdict_by else None,
        "verdict_at": case.verdict_at.isoformat() if case.verdict_at else None,
        "verdict_note": case.verdict_note,
        "first_seen_at": case.first_seen_at.isoformat(),
        "last_seen_at": case.last_seen_at.isoformat(),
    }


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: CaseState | None = None,
    pattern: Pattern | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """The cases of the caller's unit and below (supervisors and up), highest score first."""
    require_role(actor, "supervisor")
    query = (
        select(DetectionCase)
        .where(scope_filter(actor, DetectionCase.unit_path))
        .order_by(DetectionCase.score.desc(), DetectionCase.last_seen_at.desc())
        .limit(limit)
    )
    if state is not None:
        query = query.where(DetectionCase.state == state)
    if pattern is not None:
        query = query.where(DetectionCase.pattern == pattern)
    return {"cases": [case_view(c) for c in uow.session.execute(query).scalars()]}


def _case_in_scope(uow: UnitOfWork, actor: Actor, case_id: uuid.UUID) -> DetectionCase:
    require_role(actor, "supervisor")
    case = uow.session.get(DetectionCase, case_id)
    if case is None:
        raise CaseNotFound("未找到该线索", data={"case_id": str(case_id)})
    require_scope(actor, case.unit_path)
    return case


def get_case(uow: UnitOfWork, actor: Actor, case_id: uuid.UUID) -> dict[str, Any]:
    """One case of the caller's unit (supervisors and up)."""
    return case_view(_case_in_scope(uow, actor, case_id))


def set_verdict(
    uow: UnitOfWork, actor: Actor, case_id: uuid.UUID, verdict: Verdict, note: str | None
) -> dict[str, Any]:
    """A supervisor's verdict on an open case of their unit: confirmed (属实) or a false
    alarm (误报, which must say why). Stored on the case, where a rerun finds it (the same
    evidence does not reopen it), and audited. A decided case is refused (409) until new
    evidence reopens it."""
    case = _case_in_scope(uow, actor, case_id)
    text = verdict_note(note)
    if text is not None and len(text) > NOTE_MAX_LENGTH:
        raise NoteRequired(
            f"说明不能超过{NOTE_MAX_LENGTH}个字", data={"max_length": NOTE_MAX_LENGTH}
        )
    if verdict is Verdict.FALSE_ALARM and text is None:
        raise NoteRequired("认定为误报须填写说明（为何不属实）", data={"verdict": verdict.value})
    if case.state is not CaseState.OPEN:
        raise AlreadyDecided(
            "该线索已有结论；出现新证据时会重新打开",
            data={"state": case.state.value},
        )
    case.state = CaseState(verdict.value)
    case.verdict_by = actor.id
    case.verdict_at = uow.clock.now()
    case.verdict_note = text
    uow.session.flush()
    entry = audit.record(
        uow,
        actor,
        "detection_case.verdict",
        "detection_case",
        case.id,
        reason=text[:255] if text else None,
        data={
            "pattern": case.pattern.value,
            "verdict": verdict.value,
            "verdict_zh": VERDICT_ZH[verdict],
            "evidence_records": sum(len(v) for v in case.evidence.values()),
        },
    )
    view = case_view(case)
    view["ledger_entry"] = str(entry)
    return view


def decided_labels(uow: UnitOfWork) -> list[dict[str, str]]:
    """The supervisors' verdicts as labels (pattern, subject, verdict) for whatever learns or
    is measured from them later."""
    rows = uow.session.execute(
        select(
            DetectionCase.pattern,
            DetectionCase.subject_kind,
            DetectionCase.subject_id,
            DetectionCase.state,
        ).where(DetectionCase.state != CaseState.OPEN)
    ).all()
    return [
        {"pattern": p.value, "subject_kind": k, "subject_id": s, "label": st.value}
        for p, k, s, st in rows
    ]
