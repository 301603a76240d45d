"""Survey use cases: record an answer sheet (kiosk, receipt link), import sheets from CSV
(all or nothing), list surveys, and analyse a survey per scale. Writes carry their audit
entries in the same unit of work; the routes add idempotency keys."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from gangting.analysis import psychometrics as pm
from gangting.applications.models import Application
from gangting.audit import service as audit
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.service import require_booth, require_role
from gangting.surveys import models
from gangting.surveys.catalogue import find_packaged, packaged_surveys
from gangting.surveys.errors import (
    AlreadyAnswered,
    AlreadyImported,
    BadAnswers,
    BadImport,
    NotThisBooth,
    ReceiptNotFound,
    SurveyNotFound,
)
from gangting.surveys.rules import (
    KIOSK_SURVEY,
    MAX_REPORTED_ERRORS,
    Channel,
    Survey,
    answer_problems,
    parse_sheet,
)

DEFAULT_SURVEY = KIOSK_SURVEY


def get_survey(code: str) -> Survey:
    """The latest shipped version of survey ``code``, or SurveyNotFound."""
    survey = find_packaged(code)
    if survey is None:
        raise SurveyNotFound(f"未找到问卷“{code}”", data={"survey": code})
    return survey


def survey_view(code: str = DEFAULT_SURVEY) -> dict[str, Any]:
    """The survey as a screen shows it (sections, items, scale labels)."""
    return get_survey(code).to_dict()


def list_surveys(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Every shipped survey version with its count of answer sheets (staff)."""
    require_role(actor, "officer")
    by_version = {
        (code, version): n
        for code, version, n in uow.session.execute(
            select(models.Survey.code, models.Survey.version, func.count(models.SurveyResponse.id))
            .join(models.SurveyResponse, models.SurveyResponse.survey_id == models.Survey.id)
            .group_by(models.Survey.code, models.Survey.version)
        ).all()
    }
    return {
        "surveys": [
            {
                "code": s.code,
                "version": s.version,
                "title": s.title,
                "items": len(s.items),
                "scales": [{"code": k, "name": v} for k, v in s.scales.items()],
                "responses": int(by_version.get((s.code, s.version), 0)),
            }
            for s in packaged_surveys()
        ]
    }


def record_kiosk_response(
    uow: UnitOfWork,
    actor: Actor,
    *,
    survey_code: str,
    receipt_no: str | None,
    answers: Mapping[str, object],
    submitted_at: datetime | None,
) -> dict[str, Any]:
    """The short optional survey on the booth's screen after the rating; ``receipt_no``
    (optional) links it to the application this booth handled."""
    booth_id = require_booth(actor)
    application = None
    if receipt_no:
        application = _application(uow, receipt_no)
        if application.booth_id != booth_id:
            raise NotThisBooth("只能提交本岗亭办理业务的问卷", data={"receipt_no": receipt_no})
    return record_response(
        uow,
        actor,
        survey_code=survey_code,
        channel=Channel.KIOSK,
        answers=answers,
        booth_id=booth_id,
        application_id=application.id if application is not None else None,
        submitted_at=submitted_at,
    )


def record_link_response(
    uow: UnitOfWork,
    actor: Actor,
    *,
    receipt_no: str,
    answers: Mapping[str, object],
    survey_code: str = DEFAULT_SURVEY,
    submitted_at: datetime | None = None,
) -> dict[str, Any]:
    """An answer sheet from the receipt's link page (the page checks the link itself and
    calls this with the receipt it names); linked to that application and its booth."""
    application = _application(uow, receipt_no)
    return record_response(
        uow,
        actor,
        survey_code=survey_code,
        channel=Channel.LINK,
        answers=answers,
        booth_id=application.booth_id,
        application_id=application.id,
        submitted_at=submitted_at,
    )


def has_sheet(uow: UnitOfWork, receipt_no: str, survey_code: str = DEFAULT_SURVEY) -> bool:
    """Whether the application ``receipt_no`` already has an answer sheet of the survey's
    latest version (from any channel: one sheet per application and survey)."""
    survey = get_survey(survey_code)
    return (
        uow.session.execute(
            select(models.SurveyResponse.id)
            .join(models.Survey, models.Survey.id == models.SurveyResponse.survey_id)
            .join(Application, Application.id == models.SurveyResponse.application_id)
            .where(
                models.Survey.code == survey.code,
                models.Survey.version == survey.version,
                Application.receipt_no == receipt_no,
            )
        ).first()
        is not None
    )


def record_response(
    uow: UnitOfWork,
    actor: Actor,
    *,
    survey_code: str,
    channel: Channel,
    answers: Mapping[str, object],
    booth_id: uuid.UUID | None = None,
    application_id: uuid.UUID | None = None,
    submitted_at: datetime | None = None,
) -> dict[str, Any]:
    """One answer sheet ``{item code: level}`` (a skipped item is left out or None), checked
    against the survey's latest version; one sheet per application and survey."""
    survey = get_survey(survey_code)
    problems = answer_problems(survey, answers)
    if problems:
        raise BadAnswers(problems[0]["message"], data={"problems": problems})
    row = _registered(uow, actor, survey)
    if (
        application_id is not None
        and uow.session.execute(
            select(models.SurveyResponse.id).where(
                models.SurveyResponse.survey_id == row.id,
                models.SurveyResponse.application_id == application_id,
            )
        ).first()
    ):
        raise AlreadyAnswered("该业务已填写过此问卷，感谢您的反馈", data={"survey": survey.code})
    now = uow.clock.now()
    response = models.SurveyResponse(
        survey_id=row.id,
        channel=channel.value,
        booth_id=booth_id,
        application_id=application_id,
        submitted_at=submitted_at or now,
        received_at=now,
    )
    uow.session.add(response)
    uow.session.flush()
    given = {k: v for k, v in answers.items() if isinstance(v, int)}
    uow.session.add_all(
        models.SurveyAnswer(response_id=response.id, item_code=k, value=v) for k, v in given.items()
    )
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "survey_response.recorded",
        "survey_response",
        response.id,
        data={"survey": survey.code, "version": survey.version, "channel": channel.value},
    )
    return {
        "response_id": str(response.id),
        "survey": survey.code,
        "version": survey.version,
        "channel": channel.value,
        "answered": len(given),
        "message": "问卷已提交，感谢您的反馈",
    }


def import_csv(
    uow: UnitOfWork,
    actor: Actor,
    *,
    survey_code: str,
    text: str,
    file_name: str | None = None,
) -> dict[str, Any]:
    """Answer sheets from a CSV file (``rules.parse_sheet``), all or nothing: every row is
    checked first, and any problem refuses the whole file with each problem's line number;
    a receipt number must name a known application. The same file (by SHA-256) is imported
    once per survey. Supervisors and up, or the system (the command line)."""
    if actor.kind != "system":
        require_role(actor, "supervisor")
    survey = get_survey(survey_code)
    rows, problems = parse_sheet(survey, text)
    receipts = {r.receipt_no for r in rows if r.receipt_no}
    known: dict[str, Application] = {}
    if receipts:
        known = {
            a.receipt_no: a
            for a in uow.session.execute(
                select(Application).where(Application.receipt_no.in_(receipts))
            ).scalars()
        }
    row_model = _registered(uow, actor, survey)
    answered: set[uuid.UUID | None] = set()
    if known:
        answered = set(
            uow.session.execute(
                select(models.SurveyResponse.application_id).where(
                    models.SurveyResponse.survey_id == row_model.id,
                    models.SurveyResponse.application_id.in_([a.id for a in known.values()]),
                )
            ).scalars()
        )
    seen: set[str] = set()
    for r in rows:
        if not r.receipt_no:
            continue
        app = known.get(r.receipt_no)
        if app is None:
            problems.append(
                {
                    "line": r.line,
                    "column": "receipt_no",
                    "message": f"未查询到受理编号“{r.receipt_no}”",
                }
            )
        elif app.id in answered or r.receipt_no in seen:
            problems.append(
                {
                    "line": r.line,
                    "column": "receipt_no",
                    "message": f"受理编号“{r.receipt_no}”已有问卷答卷",
                }
            )
        seen.add(r.receipt_no)
    if problems:
        problems.sort(key=lambda p: p["line"])
        first = problems[0]
        raise BadImport(
            f"导入失败：共 {len(problems)} 处错误，未导入任何数据。"
            f"第 {first['line']} 行：{first['message']}",
            data={"errors": problems[:MAX_REPORTED_ERRORS], "error_count": len(problems)},
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if uow.session.execute(
        select(models.SurveyImport.id).where(
            models.SurveyImport.survey_id == row_model.id, models.SurveyImport.sha256 == digest
        )
    ).first():
        raise AlreadyImported("该文件已导入过，未重复导入", data={"sha256": digest})
    now = uow.clock.now()
    batch = models.SurveyImport(
        survey_id=row_model.id, sha256=digest, file_name=file_name, rows=len(rows), imported_at=now
    )
    uow.session.add(batch)
    uow.session.flush()
    responses = [
        models.SurveyResponse(
            survey_id=row_model.id,
            channel=Channel.IMPORT.value,
            booth_id=known[r.receipt_no].booth_id if r.receipt_no else None,
            application_id=known[r.receipt_no].id if r.receipt_no else None,
            import_id=batch.id,
            respondent=r.respondent,
            submitted_at=r.submitted_at or now,
            received_at=now,
        )
        for r in rows
    ]
    uow.session.add_all(responses)
    uow.session.flush()
    uow.session.add_all(
        models.SurveyAnswer(response_id=resp.id, item_code=k, value=v)
        for resp, r in zip(responses, rows, strict=True)
        for k, v in r.answers.items()
    )
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "survey_import.imported",
        "survey_import",
        batch.id,
        data={
            "survey": survey.code,
            "version": survey.version,
            "rows": len(rows),
            "sha256": digest,
        },
    )
    return {
        "import_id": str(batch.id),
        "survey": survey.code,
        "version": survey.version,
        "rows": len(rows),
        "sha256": digest,
        "message": f"已导入 {len(rows)} 份答卷",
    }


def answer_frame(uow: UnitOfWork, survey: Survey, *, scored: bool = True) -> pd.DataFrame:
    """Respondents × items of the survey's version: reverse-worded items reverse-scored
    when ``scored``; a skipped item is missing (NaN)."""
    codes = [i.code for i in survey.items]
    rows = uow.session.execute(
        select(
            models.SurveyAnswer.response_id,
            models.SurveyAnswer.item_code,
            models.SurveyAnswer.value,
        )
        .join(models.SurveyResponse, models.SurveyResponse.id == models.SurveyAnswer.response_id)
        .join(models.Survey, models.Survey.id == models.SurveyResponse.survey_id)
        .where(models.Survey.code == survey.code, models.Survey.version == survey.version)
    ).all()
    if not rows:
        return pd.DataFrame(columns=codes, dtype=float)
    long = pd.DataFrame(rows, columns=["response", "item", "value"])
    wide = long.pivot(index="response", columns="item", values="value").reindex(columns=codes)
    wide = wide.astype(float)
    if scored:
        for item in survey.items:
            if item.reverse:
                wide[item.code] = item.scale_min + item.scale_max - wide[item.code]
    return wide


def analyse(uow: UnitOfWork, actor: Actor, survey_code: str) -> dict[str, Any]:
    """The survey's psychometrics (staff): per scale Cronbach's α with its Feldt 95% CI,
    KMO, Bartlett's test and the items' descriptive table; over all items KMO, Bartlett,
    an EFA with one factor per scale (principal axis, varimax) and the CFA of the scales.
    A statistic the data cannot support (too few sheets, a constant item) says why instead
    of a number."""
    require_role(actor, "officer")
    return analyse_survey(uow, survey_code)


def analyse_survey(uow: UnitOfWork, survey_code: str) -> dict[str, Any]:
    """``analyse`` without the caller's check (the command line acts as the system)."""
    survey = get_survey(survey_code)
    scored = answer_frame(uow, survey)
    raw = answer_frame(uow, survey, scored=False)
    return analyse_frame(survey, scored, raw)


def analyse_frame(survey: Survey, scored: pd.DataFrame, raw: pd.DataFrame) -> dict[str, Any]:
    """The analysis of answer frames (``answer_frame``), apart from the database."""
    scales = []
    for code, name in survey.scales.items():
        items = [i.code for i in survey.scale_items(code)]
        part = scored[items]
        first = survey.scale_items(code)[0]
        scales.append(
            {
                "scale": code,
                "name": name,
                "items": items,
                "reverse_items": [i.code for i in survey.scale_items(code) if i.reverse],
                "complete_responses": int(part.dropna().shape[0]),
                "alpha": _try(pm.cronbach_alpha, part),
                "kmo": _try(pm.kmo, part),
                "bartlett": _try(pm.bartlett_sphericity, part),
                "descriptives": [
                    d.to_dict()
                    for d in pm.describe_items(raw[items], first.scale_min, first.scale_max)
                ],
            }
        )
    model = {code: [i.code for i in survey.scale_items(code)] for code in survey.scales}
    n_factors = len(survey.scales)
    return {
        "survey": survey.code,
        "version": survey.version,
        "title": survey.title,
        "responses": int(scored.shape[0]),
        "complete_responses": int(scored.dropna().shape[0]),
        "scoring": "反向题按 (最小值+最大值)−原始分 计分；描述统计为原始作答",
        "scales": scales,
        "overall": {
            "kmo": _try(pm.kmo, scored),
            "bartlett": _try(pm.bartlett_sphericity, scored),
            "efa": _try(pm.efa, scored, n_factors),
            "cfa": _try(pm.cfa, scored, model, fitted=True),
        },
    }


def _try(stat: Callable[..., Any], *args: Any, fitted: bool = False) -> dict[str, Any]:
    """A statistic's ``to_dict()``, or why it cannot be estimated from these answers."""
    try:
        result: dict[str, Any] = stat(*args).to_dict()
        return result
    except ValueError as exc:
        return _not_estimable(exc)
    except Exception as exc:
        # semopy's optimiser fails in its own ways (numpy.linalg, sympy) on degenerate data
        if fitted:
            return _not_estimable(exc)
        raise


def _not_estimable(exc: Exception) -> dict[str, Any]:
    return {
        "error": "surveys.not_estimable",
        "message": "数据不足或不适合计算此统计量",
        "detail": str(exc),
    }


def _registered(uow: UnitOfWork, actor: Actor, survey: Survey) -> models.Survey:
    """The survey version's row, registered (with an audit entry) on its first sheet."""
    row = uow.session.execute(
        select(models.Survey).where(
            models.Survey.code == survey.code, models.Survey.version == survey.version
        )
    ).scalar_one_or_none()
    if row is not None:
        return row
    row = models.Survey(
        code=survey.code,
        version=survey.version,
        title=survey.title,
        definition=survey.to_dict(),
        registered_at=uow.clock.now(),
    )
    uow.session.add(row)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "survey.registered",
        "survey",
        row.id,
        data={"code": survey.code, "version": survey.version},
    )
    return row


def _application(uow: UnitOfWork, receipt_no: str) -> Application:
    application = uow.session.execute(
        select(Application).where(Application.receipt_no == receipt_no)
    ).scalar_one_or_none()
    if application is None:
        raise ReceiptNotFound("未查询到该受理编号", data={"receipt_no": receipt_no})
    return application
