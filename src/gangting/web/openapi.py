"""Shapes the API description shares across domains: the one error body, a decision's
reason, ISO 8601 text fields, and the ``responses=`` entries of the documented refusals.

Documentation only: pydantic, nothing of the app. Answer models say ``extra="forbid"`` so
a key a service adds and its model does not list fails the tests, never vanishes quietly.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """Base of the response models: every key listed (a new key fails, it is not dropped)."""

    model_config = ConfigDict(extra="forbid")


# The services answer dates and times as ISO 8601 text (local time with its offset): kept as
# text, so the answer is exactly what the service wrote.
IsoDateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]
Id = Annotated[str, Field(json_schema_extra={"format": "uuid"})]


class ErrorBody(Answer):
    """Every refusal: {"error": code, "message": zh-CN, "data": {...}}."""

    error: str = Field(description="稳定的错误代码，如 auth.required、fines.already_paid")
    message: str = Field(description="给市民或民警看的中文说明")
    data: dict[str, Any] = Field(
        default_factory=dict, description="细节（依错误而定，如 legal_basis、fields、receipt_no）"
    )


class ReasonView(Answer):
    """One reason of a decision, with its legal basis."""

    code: str = Field(description="稳定的理由代码")
    message: str = Field(description="中文说明")
    legal_basis: list[str] = Field(description="法律依据，如 记分办法 第14条")
    data: dict[str, Any] = Field(description="细节（依理由而定）")


_ERRORS_ZH = {
    401: "未登录、令牌无效或身份令牌已过期",
    403: "无权限，或超出本单位管辖范围",
    404: "未找到",
    409: "业务拒绝：与当前状态冲突（理由与法律依据见 data）",
    422: "请求格式不正确，或缺少 Idempotency-Key",
    503: "服务或外部平台暂不可用，业务未办理",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries: each status answered with the one error body."""
    return {s: {"model": ErrorBody, "description": _ERRORS_ZH[s]} for s in statuses}
