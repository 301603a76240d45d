"""Surveys over HTTP: the booth fetches the survey and submits a sheet after the rating;
staff list surveys, import answer sheets from CSV and read the analysis per scale."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from gangting.booths.report import booth_report
from gangting.contracts import Request
from gangting.staff.service import require_role
from gangting.surveys import service
from gangting.surveys.schemas import (
    ImportDone,
    ResponseRecorded,
    SurveyAnalysis,
    SurveyList,
    SurveyView,
)
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write
from gangting.web.writes import run_read

router = APIRouter(prefix="/api/v1/surveys", tags=["问卷 surveys"])
staff_router = APIRouter(
    prefix="/api/v1/staff/surveys",
    tags=["问卷 surveys"],
    responses=error_responses(401, 403, 422),
)


class SurveyResponseRequest(Request):
    receipt_no: str | None = Field(default=None, max_length=32, description="受理编号（可选）")
    answers: dict[str, int | None] = Field(
        max_length=100, description="题目代码 → 等级（如 1–5）；跳过的题目省略或为 null"
    )
    booth: str | None = Field(default=None, max_length=32)
    at: AwareDatetime | None = None


class SurveyImportRequest(Request):
    csv: str = Field(
        min_length=1,
        description="CSV 文本（UTF-8）：表头为题目代码及可选列 respondent、submitted_at、"
        "receipt_no；每行一份答卷，空格为跳过。全部校验通过才导入（全有或全无）",
    )
    file_name: str | None = Field(default=None, max_length=200)


@router.get(
    "/{code}",
    response_model=SurveyView,
    responses=error_responses(401, 404),
    summary="问卷内容（岗亭屏幕在评价后显示）",
)
def survey(code: str, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return service.survey_view(code)


@router.post(
    "/{code}/responses",
    status_code=201,
    response_model=ResponseRecorded,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="提交岗亭问卷答卷（评价后，可选）",
)
def respond(
    code: str,
    body: SurveyResponseRequest,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return booth_report(
        ctx,
        actor,
        key,
        f"/surveys/{code}/responses",
        body,
        body.booth,
        lambda uow: service.record_kiosk_response(
            uow,
            actor,
            survey_code=code,
            receipt_no=body.receipt_no,
            answers=body.answers,
            submitted_at=body.at,
        ),
        action="survey_response",
    )


@staff_router.get("", response_model=SurveyList, summary="问卷列表及答卷数")
def surveys(ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: service.list_surveys(uow, actor))


@staff_router.get(
    "/{code}",
    response_model=SurveyView,
    responses=error_responses(404),
    summary="问卷内容",
)
def staff_survey(code: str, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    require_role(actor, "officer")
    return service.survey_view(code)


@staff_router.post(
    "/{code}/imports",
    status_code=201,
    response_model=ImportDone,
    responses=error_responses(404, 409, 413),
    summary="从 CSV 导入答卷（督察及以上；逐行校验，有错则全部不导入并列出行号）",
)
def import_answers(
    code: str,
    body: SurveyImportRequest,
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return post_write(
        ctx,
        actor,
        key,
        f"/staff/surveys/{code}/imports",
        body,
        lambda uow: service.import_csv(
            uow, actor, survey_code=code, text=body.csv, file_name=body.file_name
        ),
        action="survey_import",
        status=201,
    )


@staff_router.get(
    "/{code}/analysis",
    response_model=SurveyAnalysis,
    responses=error_responses(404),
    summary="问卷分析：各量表 Cronbach α（Feldt 置信区间）、KMO、Bartlett 检验、"
    "探索性与验证性因子分析、各题描述统计",
)
def analysis(code: str, ctx: ContextDep, actor: ActorDep) -> dict[str, Any]:
    return run_read(ctx, lambda uow: service.analyse(uow, actor, code))
