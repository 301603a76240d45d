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
from gangting.ratings.public_routes import EXPIRED, TokenPath, link_write, throttled
from gangting.surveys.schemas import ResponseRecorded, SurveyView
from gangting.web.deps import ContextDep, IdempotencyKey
from gangting.web.openapi import Answer, error_responses
from gangting.web.writes import run_read

router = APIRouter(tags=["问卷 surveys"])


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
    responses={**error_responses(404, 429), **EXPIRED},
    summary="评价链接的服务体验问卷：题目及能否填写（无需登录）",
)
def link_survey(token: TokenPath, request: Request, ctx: ContextDep) -> Any:
    if (answer := throttled(ctx, request, token)) is not None:
        return answer
    return run_read(ctx, lambda uow: link_survey_view(uow, token))


@router.post(
    "/api/v1/public/surveys/{token}",
    status_code=201,
    response_model=ResponseRecorded,
    responses={**error_responses(404, 409, 422, 429), **EXPIRED},
    summary="评价链接：提交服务体验问卷（评价之后，可选；每笔业务一份答卷）",
)
def answer_survey(
    token: TokenPath,
    body: LinkSurveyAnswers,
    request: Request,
    ctx: ContextDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    if (answer := throttled(ctx, request, token)) is not None:
        return answer
    return link_write(
        ctx,
        token,
        key,
        "/public/surveys",
        body,
        lambda uow: (201, answer_link_survey(uow, token, body.answers)),
        action="survey_link",
    )
