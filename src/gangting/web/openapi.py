"""Shapes the API description shares across domains: the one error body, a decision's
reason, ISO 8601 text fields, and the ``responses=`` entries of the documented refusals.

Documentation only: pydantic, nothing of the app. Answer models say ``extra="forbid"`` so
a key a service adds and its model does not list fails the tests, never vanishes quietly.
"""

from __future__ import annotations

from copy import deepcopy
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
    413: "请求体过大",
    422: "请求格式不正确，或缺少 Idempotency-Key",
    429: "请求过于频繁（见 Retry-After）",
    503: "服务或外部平台暂不可用，业务未办理（见 Retry-After）",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries: each status answered with the one error body."""
    return {s: {"model": ErrorBody, "description": _ERRORS_ZH[s]} for s in statuses}


IDEMPOTENCY_KEY = "Idempotency-Key"
BEARER = "bearer"


def _is_framework_422(answer: dict[str, Any] | None) -> bool:
    schema = (answer or {}).get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _is_authorization(param: dict[str, Any]) -> bool:
    return param.get("in") == "header" and str(param.get("name", "")).lower() == "authorization"


_METHODS = {"get", "put", "post", "patch", "delete"}


def statuses_of(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The refusals an operation can answer, read from what it takes (the rules of the web
    edge, docs/decisions/0015-error-contract-and-pages.md):

    - anything it takes (a parameter, a body) can be malformed: 422;
    - a body can be too large: 413;
    - a path parameter names something that may not exist: 404;
    - a bearer token (``Authorization``): 401 (none, invalid, expired), 403 (role, scope) and
      404 (the records it names, in its path, query or body, or the caller's own: a
      citizen's licence, a remote-assist session);
    - an ``Idempotency-Key`` (a write): 409 (a business refusal, or the key reused with
      another request) and 422 (the key missing);
    - a log-in (``/api/v1/auth/``): 401 (wrong credentials) and 429 (throttled);
    - everything under ``/api/``: 503 (the database or an outside platform unavailable).
    """
    params = operation.get("parameters", [])
    names = {(p.get("in"), str(p.get("name", "")).lower()) for p in params}
    found: set[int] = set()
    if params or "requestBody" in operation:
        found.add(422)
    if "requestBody" in operation:
        found.add(413)
    if any(where == "path" for where, _ in names):
        found.add(404)
    if ("header", "authorization") in names:
        found |= {401, 403, 404}
    if ("header", IDEMPOTENCY_KEY.lower()) in names:
        found |= {409, 422}
    if path.startswith("/api/v1/auth/"):
        found |= {401, 429}
    if path.startswith("/api/"):
        found.add(503)
    return found


def with_error_responses(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI document) with every operation's refusals listed with the
    one error body (each status ``statuses_of`` finds; those a route declares itself are
    kept) and ``Idempotency-Key`` marked required (every write refuses a request without
    one). Changes ``document`` in place and returns it."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in schemas:
        schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas["ErrorBody"] = deepcopy(schema)
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            statuses = statuses_of(path, method, operation)
            params = operation.get("parameters", [])
            bearer = [p for p in params if _is_authorization(p)]
            if bearer:
                # The bearer token is a security requirement, not a parameter (OpenAPI
                # ignores header parameters named Authorization): Swagger UI's "Authorize"
                # and clients' generators then send it.
                operation["parameters"] = [p for p in params if not _is_authorization(p)]
                if not operation["parameters"]:
                    del operation["parameters"]
                operation["security"] = [{BEARER: []}]
                document["components"].setdefault("securitySchemes", {})[BEARER] = {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "登录所得的令牌（/api/v1/auth/booth、/api/v1/auth/staff）",
                }
            for param in operation.get("parameters", []):
                if param.get("in") == "header" and param.get("name") == IDEMPOTENCY_KEY:
                    param["required"] = True
                    schema = param.get("schema", {})
                    if "anyOf" in schema:  # ``str | None``: the key itself is a string
                        strings = [s for s in schema["anyOf"] if s.get("type") == "string"]
                        rest = {k: v for k, v in schema.items() if k != "anyOf"}
                        param["schema"] = {**rest, **(strings[0] if strings else {})}
                    param["schema"].setdefault("minLength", 1)
            responses = operation.setdefault("responses", {})
            if _is_framework_422(responses.get("422")):
                del responses["422"]  # FastAPI's own shape, not what the app answers
            for status in sorted(statuses):
                responses.setdefault(
                    str(status),
                    {
                        "description": _ERRORS_ZH[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document
