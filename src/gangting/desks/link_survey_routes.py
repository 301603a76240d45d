"""The survey of the receipt's link page over HTTP (no log-in; the link's token authorises
it, as it does the rating): the questions and whether they may be answered, and one answer
sheet per application with an Idempotency-Key in the link's own key space. Every request
counts against its source address, as the public rating routes do."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from gangting.contracts import Request as Body
from gangting.desks.link_survey import answer_link_survey, link_survey_view
from gangting.kernel.errors import DomainError
from gangting.ratings.public_routes import TokenPath, checked_token, count_source, throttle_answer
from gangting.ratings.service import link_actor
from gangting.surveys.schemas import ResponseRecorded, SurveyView
from gangting.web.deps import ContextDep, IdempotencyKey
from gangting.web.openapi import Answer, ErrorBody, error_responses
from gangting.web.writes import render, run_read, write_answer

router = APIRouter(tags=["问卷 surveys"])

_EXPIRED: dict[int | str, dict[str, Any]] = {
    410: {"model": ErrorBody, "description": "评价链接已过期（ratings.link_expired）"}
}


class LinkSurveyView(Answer):
    state: Literal["open", "rating_first", "answered"] = Field(
        description="open 可填写（已评价）；rating_first 须先评价；answered 该业务已有答卷"
    )
    survey: SurveyView


class LinkSurveyAnswers(Body):
    answers: dict[str, int | None] = Field(
        max_length=100, description="题目代码 → 等级（如 1–5）；跳过的题目省略或为 null"
    )


@router.get(
    "/api/v1/public/surveys/{token}",
    response_model=LinkSurveyView,
    responses={**error_responses(404, 429), **_EXPIRED},
    summary="评价链接的服务体验问卷：题目及能否填写（无需登录）",
)
def link_survey(token: TokenPath, request: Request, ctx: ContextDep) -> Any:
    try:
        count_source(ctx, request)
    except DomainError as exc:
        return throttle_answer(exc)
    checked_token(token)
    return run_read(ctx, lambda uow: link_survey_view(uow, token))


@router.post(
    "/api/v1/public/surveys/{token}",
    status_code=201,
    response_model=ResponseRecorded,
    responses={**error_responses(404, 409, 422, 429), **_EXPIRED},
    summary="评价链接：提交服务体验问卷（评价之后，可选；每笔业务一份答卷）",
)
def answer_survey(
    token: TokenPath,
    body: LinkSurveyAnswers,
    request: Request,
    ctx: ContextDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    try:
        count_source(ctx, request)
    except DomainError as exc:
        return throttle_answer(exc)
    checked_token(token)
    return render(
        write_answer(
            ctx,
            link_actor(token),
            key,
            "POST",
            "/public/surveys",
            body.model_dump(mode="json"),
            lambda uow: (201, answer_link_survey(uow, token, body.answers)),
            action="survey_link",
        )
    )
