"""One error shape for every refusal: {"error": code, "message": zh-CN, "data": {...}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gangting.kernel.errors import DomainError

log = logging.getLogger("gangting.web")

_FIELD_ZH = {
    "missing": "缺少必填字段",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "uuid_parsing": "编号格式错误",
    "json_invalid": "请求体不是有效的JSON",
    "list_too_long": "条目过多",
    "list_too_short": "至少需要一项",
    "extra_forbidden": "不允许的字段",
}


def error_body(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "data": data or {}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            fields.append(
                {
                    "field": loc,
                    "type": err.get("type"),
                    "message": _FIELD_ZH.get(str(err.get("type")), "格式不正确"),
                }
            )
        summary = "；".join(f"{f['field']}：{f['message']}" for f in fields[:5])
        return JSONResponse(
            error_body("request.invalid", f"请求格式不正确（{summary}）", {"fields": fields}),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "未找到该地址", 405: "不支持该请求方法", 413: "请求体过大"}
        return JSONResponse(
            error_body(f"http.{exc.status_code}", messages.get(exc.status_code, str(exc.detail))),
            status_code=exc.status_code,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            error_body("service.unavailable", "服务暂不可用，请稍后再试（业务未办理）"),
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            error_body("internal", "系统内部错误，业务未完成，请稍后重试"), status_code=500
        )
