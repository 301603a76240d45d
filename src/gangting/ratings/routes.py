"""Ratings (好差评) from the booth, after a transaction."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field, JsonValue, field_validator

from gangting.booths.report import booth_report
from gangting.contracts import Request
from gangting.ratings import rules, service
from gangting.ratings.schemas import RatingAnswer
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses

router = APIRouter(prefix="/api/v1/ratings", tags=["好差评 ratings"])


# Every spelling parse_level accepts, for the API description: 5..1, "5".."1", the names.
_LEVEL_KEYS: list[JsonValue] = [
    *(lv.value for lv in rules.LEVELS),
    *(str(lv.value) for lv in rules.LEVELS),
    *(lv.name for lv in rules.LEVELS),
]


class RatingRequest(Request):
    receipt_no: str | None = Field(default=None, max_length=32, description="受理编号")
    level: int | str = Field(
        description="5 非常满意 … 1 非常不满意，或 very_satisfied|satisfied|basic|"
        "unsatisfied|very_unsatisfied",
        json_schema_extra={"enum": _LEVEL_KEYS},
    )
    reason: str | None = Field(default=None, max_length=500, description="差评须说明原因")
    booth: str | None = Field(default=None, max_length=32)
    at: AwareDatetime | None = None

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: int | str) -> int | str:
        rules.parse_level(value)
        return value


@router.post(
    "",
    status_code=201,
    response_model=RatingAnswer,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="好差评：五级评价，差评须说明原因并生成整改记录",
)
def rate(
    body: RatingRequest, ctx: ContextDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    return booth_report(
        ctx,
        actor,
        key,
        "/ratings",
        body,
        body.booth,
        lambda uow: service.rate_service(
            uow,
            actor,
            receipt_no=body.receipt_no,
            level=rules.parse_level(body.level),
            reason=body.reason,
            rated_at=body.at,
            policy=service.remedy_policy(ctx.settings),
            calendar=ctx.calendar,
        ),
        action="rating",
    )
