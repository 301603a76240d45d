"""One error shape for every refusal: {"error": code, "message": zh-CN, "data": {...}}."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from gangting.kernel.errors import DomainError

log = logging.getLogger("gangting.web")
_CJK = re.compile(r"[\u4e00-\u9fff]")

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
    "model_attributes_type": "应为 JSON 对象（Content-Type: application/json）",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "string_pattern_mismatch": "格式不符合要求",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "datetime_from_date_parsing": "时间格式应为 ISO 8601",
    "body_unreadable": "请求体无法解析（应为 UTF-8 编码、层级不过深的 JSON）",
}

# Answers of the web framework itself (no route, no such method, an unreadable body), each
# with a stable code and a zh-CN message; a body the framework cannot parse (invalid UTF-8,
# JSON nested past the parser's depth) is malformed input like any other: 422, not 400.
_HTTP = {
    400: (
        422,
        "request.invalid",
        "请求格式不正确（请求体无法解析：应为 UTF-8 编码、层级不过深的 JSON）",
    ),
    401: (401, "auth.required", "请先登录"),
    403: (403, "forbidden", "无权限"),
    404: (404, "route.not_found", "未找到该地址"),
    405: (405, "method.not_allowed", "不支持该请求方法"),
    406: (406, "request.not_acceptable", "无法按要求的格式应答"),
    413: (413, "request.too_large", "请求体过大"),
    415: (415, "request.unsupported_media_type", "不支持的请求体类型（应为 application/json）"),
    429: (429, "request.too_many", "请求过于频繁，请稍后再试"),
}


def error_body(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "data": data or {}}


def _zh(err: Any) -> str:
    """A field error's zh-CN message: the rule's own when it wrote one in Chinese."""
    reason = str((err.get("ctx") or {}).get("error", ""))
    if err.get("type") == "value_error" and _CJK.search(reason):
        return reason
    if _beyond_the_schema(err) == "request.blank":
        return "去掉首尾空白后内容过短"
    return _FIELD_ZH.get(str(err.get("type")), "格式不正确")


def _beyond_the_schema(err: Any) -> str | None:
    """The code of a refusal by a rule the OpenAPI document cannot state, else None:
    ``request.inconsistent`` (a model validator's refusal: the whole body is its location)
    or ``request.blank`` (long enough as sent, too short once trimmed of blanks)."""
    if err.get("type") == "value_error" and tuple(err.get("loc", ())) == ("body",):
        return "request.inconsistent"
    if err.get("type") == "string_too_short":
        sent, least = err.get("input"), (err.get("ctx") or {}).get("min_length")
        if isinstance(sent, str) and isinstance(least, int) and len(sent) >= least:
            return "request.blank"
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        if exc.http_status == 401:
            # Authentication runs before the path is validated: a literal route shadowed
            # by a parameter route (below) answers 405 to anyone, as every other path does.
            allowed = literal_methods(request)
            if allowed and request.method not in allowed:
                return method_not_allowed(allowed)
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if all(tuple(err.get("loc", ()))[:1] == ("path",) for err in exc.errors()):
            # A literal route at this path (``POST /sweep``) shadowed by a parameter route of
            # another method (``GET /{instruction_id}``): the path names that resource, so
            # the method is what is wrong.
            allowed = literal_methods(request)
            if allowed:
                return method_not_allowed(allowed)
        fields = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "请求体"
            if err.get("type") == "json_invalid":  # its location is a character offset
                loc = "请求体"
            fields.append({"field": loc, "type": err.get("type"), "message": _zh(err)})
        summary = "；".join(f"{f['field']}：{f['message']}" for f in fields[:5])
        rules = {_beyond_the_schema(err) for err in exc.errors()}
        if None not in rules:
            # Every field as documented, refused by a rule the document cannot state (a
            # model's own rule across fields; a text too short once its surrounding blanks
            # are trimmed): named apart from a request that does not match the document.
            code = sorted(r for r in rules if r is not None)[0]
            return JSONResponse(
                error_body(code, f"请求内容不符合要求（{summary}）", {"fields": fields}),
                status_code=422,
            )
        return JSONResponse(
            error_body("request.invalid", f"请求格式不正确（{summary}）", {"fields": fields}),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return method_not_allowed(allowed_methods(request))
        status, code, message = _HTTP.get(
            exc.status_code, (exc.status_code, "request.refused", "请求被拒绝")
        )
        data: dict[str, Any] = {}
        if exc.status_code == 400:
            data = {
                "fields": [
                    {
                        "field": "请求体",
                        "type": "body_unreadable",
                        "message": _FIELD_ZH["body_unreadable"],
                    }
                ]
            }
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
        return JSONResponse(
            error_body(code, message, data), status_code=status, headers=headers or None
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


def _answering(request: Request, *, literal: bool) -> list[str]:
    """The methods some route of the app answers at the request's path; with ``literal``,
    only routes that take no path parameter."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    allowed: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if route.methods and route.path and regex is not None and regex.match(path):
            if not literal or "{" not in route.path:
                allowed |= route.methods
    return sorted(allowed)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path."""
    return _answering(request, literal=False)


def literal_methods(request: Request) -> list[str]:
    """The methods of the routes with no path parameter at exactly this path."""
    return _answering(request, literal=True)


def method_not_allowed(allowed: list[str]) -> JSONResponse:
    """405 with the ``Allow`` header RFC 9110 requires (the methods this path answers)."""
    return JSONResponse(
        error_body(
            "method.not_allowed",
            f"不支持该请求方法（本地址支持：{'、'.join(allowed) or '无'}）",
            {"allow": allowed},
        ),
        status_code=405,
        headers={"Allow": ", ".join(allowed)},
    )
