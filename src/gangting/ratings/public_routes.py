"""The citizen's rating link (/r/{token}, printed on the receipt): a small public page (no
log-in, zh-CN, local assets only, for a phone) and its public API. The link rates one
application once; a second use is refused (``ratings.link_used``). After the rating the page
offers the short survey (``desks.link_survey_routes``, the same token). Every request counts
against its source address (``ratings.throttle``)."""

from __future__ import annotations

import html
import re
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import Field, JsonValue, field_validator

from gangting.context import Context
from gangting.contracts import Request as Body
from gangting.kernel.errors import DomainError
from gangting.ratings import rules, service
from gangting.ratings.errors import LinkUnknown
from gangting.ratings.schemas import LinkView, RatingAnswer
from gangting.ratings.throttle import count_request, source_limit
from gangting.web.deps import ContextDep, IdempotencyKey
from gangting.web.openapi import ErrorBody, error_responses
from gangting.web.writes import Work, render, write_answer

STATIC_DIR = FilePath(__file__).parent / "static"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_ASSETS = {
    "rate.css": "text/css; charset=utf-8",
    "rate.js": "text/javascript; charset=utf-8",
}
_PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

router = APIRouter(tags=["好差评 ratings"])


def _source(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def count_source(ctx: Context, request: Request) -> None:
    """Count the request against its source address (every public link route does);
    raises ``ratings.too_many_requests`` once the address must wait."""
    with ctx.uow() as uow:
        count_request(uow, _source(request), source_limit(ctx.settings))


def checked_token(token: str) -> str:
    """The token when it is shaped like one, else ``ratings.link_unknown``."""
    if not _TOKEN.match(token):
        raise LinkUnknown("评价链接无效，请核对回执上的链接")
    return token


def throttle_answer(exc: DomainError) -> JSONResponse:
    """The 429 answer of a throttled source, with Retry-After."""
    wait = int(exc.data.get("retry_after_s", 60))
    return JSONResponse(exc.to_dict(), status_code=429, headers={"Retry-After": str(wait)})


def throttled(ctx: Context, request: Request, token: str) -> JSONResponse | None:
    """The start of every public link API route: count the request against its source and
    answer 429 when the source must wait; else None, once the token is shaped like one
    (else ``ratings.link_unknown``)."""
    try:
        count_source(ctx, request)
    except DomainError as exc:
        return throttle_answer(exc)
    checked_token(token)
    return None


def link_write(
    ctx: Context, token: str, key: str | None, path: str, body: Body, work: Work, *, action: str
) -> JSONResponse:
    """A write by the link's token (idempotent in the link's own key space), rendered."""
    payload = body.model_dump(mode="json")
    actor = service.link_actor(token)
    return render(write_answer(ctx, actor, key, "POST", path, payload, work, action=action))


# A link past its time (the rating's and the survey's routes).
EXPIRED: dict[int | str, dict[str, Any]] = {
    410: {"model": ErrorBody, "description": "评价链接已过期（ratings.link_expired）"}
}


# Every spelling parse_level accepts, for the API description.
_LEVEL_KEYS: list[JsonValue] = [
    *(lv.value for lv in rules.LEVELS),
    *(str(lv.value) for lv in rules.LEVELS),
    *(lv.name for lv in rules.LEVELS),
]
TokenPath = Annotated[
    str, Path(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="评价链接令牌")
]


class LinkRating(Body):
    level: int | str = Field(
        description="5 非常满意 … 1 非常不满意，或 very_satisfied … very_unsatisfied",
        json_schema_extra={"enum": _LEVEL_KEYS},
    )
    reason: str | None = Field(default=None, max_length=500, description="差评须说明原因")

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: int | str) -> int | str:
        rules.parse_level(value)
        return value


@router.get(
    "/api/v1/public/ratings/{token}",
    response_model=LinkView,
    responses=error_responses(404, 429),
    summary="评价链接：所评价的业务与五个评价等级（无需登录）",
)
def read_link(token: TokenPath, request: Request, ctx: ContextDep) -> Any:
    if (answer := throttled(ctx, request, token)) is not None:
        return answer
    with ctx.uow() as uow:
        return service.link_view(uow, token)


@router.post(
    "/api/v1/public/ratings/{token}",
    status_code=201,
    response_model=RatingAnswer,
    responses={**error_responses(404, 409, 422, 429), **EXPIRED},
    summary="评价链接：提交评价（无需登录；每个链接只能使用一次）",
)
def rate_by_link(
    token: TokenPath,
    body: LinkRating,
    request: Request,
    ctx: ContextDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    if (answer := throttled(ctx, request, token)) is not None:
        return answer
    policy = service.remedy_policy(ctx.settings)
    return link_write(
        ctx,
        token,
        key,
        "/public/ratings",
        body,
        lambda uow: (
            201,
            service.rate_by_link(
                uow,
                token,
                level=rules.parse_level(body.level),
                reason=body.reason,
                policy=policy,
                calendar=ctx.calendar,
            ),
        ),
        action="rating_link",
    )


# --- the page --------------------------------------------------------------------------------

_STATE_TEXT = {
    "used": ("ratings.link_used", "该评价链接已使用", "每笔业务只能评价一次，感谢您的反馈。"),
    "expired": ("ratings.link_expired", "该评价链接已过期", "如需反映问题，请拨打12345热线。"),
    "unknown": ("ratings.link_unknown", "评价链接无效", "请核对回执上的链接是否完整。"),
    "throttled": ("ratings.too_many_requests", "请求过于频繁", "请稍后再试。"),
}
_STATUS = {"used": 409, "expired": 410, "unknown": 404, "throttled": 429}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0b3d91">
<meta name="robots" content="noindex">
<title>{html.escape(title)} · 政务服务好差评</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/r/static/rate.css">
<script type="module" src="/r/static/rate.js"></script>
</head>
<body>
<header class="bar"><span class="emblem" aria-hidden="true">警</span>
<div><p class="brand-title">政务服务“好差评”</p>
<p class="brand-sub">包头市公安局交通管理支队 · 交通智慧岗亭</p></div></header>
<main>
{body}
</main>
<footer class="foot">评价实名可追溯，评价人信息严格保密。差评将在规定时限内核实整改并回访。</footer>
</body>
</html>
"""
    return HTMLResponse(page, status_code=status, headers=_PAGE_HEADERS)


def _survey_sections(token: str) -> str:
    """The optional survey's place (``rate.js`` fills it from the public survey API when the
    link may still answer it) and the page's last word."""
    return f"""<section id="survey" class="card survey" data-token="{html.escape(token)}"
 aria-labelledby="survey-title" hidden>
<h2 id="survey-title"></h2>
<p id="survey-intro" class="hint"></p>
<form id="survey-form" novalidate>
<div id="survey-items"></div>
<p id="survey-error" class="error" role="alert" hidden></p>
<button type="submit" id="survey-submit">提交问卷</button>
<button type="button" id="survey-skip" class="secondary">跳过</button>
</form>
</section>
<section id="finished" class="card done" hidden>
<p id="finished-text"></p>
</section>"""


def _notice_page(state: str, token: str | None = None) -> HTMLResponse:
    """A refusal as a page; a used link (``token`` given) still offers its survey when the
    application has no answer sheet yet (a citizen who rated and left comes back)."""
    code, title, text = _STATE_TEXT[state]
    body = f"""<section class="card notice" data-error="{code}">
<h1>{html.escape(title)}</h1>
<p>{html.escape(text)}</p>
<p class="code">代码：{code}</p>
</section>"""
    if token is not None:
        body += "\n" + _survey_sections(token)
    return _page(title, body, _STATUS[state])


def _rating_page(token: str, view: dict[str, Any]) -> HTMLResponse:
    e = html.escape
    levels = "\n".join(
        f"""<label class="level{" bad" if lv["bad"] else ""}">
<input type="radio" name="level" value="{lv["level"]}" data-bad="{str(lv["bad"]).lower()}" required>
<span class="stars" aria-hidden="true">{"★" * lv["level"]}{"☆" * (5 - lv["level"])}</span>
<span class="name">{e(lv["level_zh"])}</span></label>"""
        for lv in view["levels"]
    )
    state_zh = "已办结" if view["application_state"] == "completed" else "未予办理"
    body = f"""<section class="card">
<h1>请为本次服务评价</h1>
<dl class="facts">
<dt>业务</dt><dd id="service">{e(view["service_zh"])}（{state_zh}）</dd>
<dt>受理编号</dt><dd>{e(view["receipt_no"])}</dd>
<dt>办理地点</dt><dd>{e(view["booth_name"])}</dd>
<dt>办理日期</dt><dd>{e(view["handled_on"])}</dd>
</dl>
</section>
<form id="rate" class="card" data-token="{e(token)}" novalidate>
<fieldset><legend>满意程度</legend>
{levels}
</fieldset>
<div id="reason-box" class="reason" hidden>
<label for="reason">请说明不满意的原因（必填），我们将核实整改并回访</label>
<textarea id="reason" name="reason" maxlength="500" rows="4"></textarea>
</div>
<p id="error" class="error" role="alert" hidden></p>
<button type="submit" id="submit">提交评价</button>
<p class="hint">链接有效期至 {e(view["expires_on"])}，只能评价一次。</p>
</form>
<section id="done" class="card done" hidden>
<h1>感谢您的评价</h1>
<p id="done-text"></p>
</section>
{_survey_sections(token)}"""
    return _page("请为本次服务评价", body)


@router.get("/r/static/{name}", include_in_schema=False)
def rating_asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise LinkUnknown("未找到该页面", code="pages.not_found")
    return FileResponse(
        STATIC_DIR / name, media_type=_ASSETS[name], headers={"Cache-Control": "no-cache"}
    )


@router.get("/r/{token}", response_class=HTMLResponse, include_in_schema=False)
def rating_page(token: str, request: Request, ctx: ContextDep) -> HTMLResponse:
    try:
        count_source(ctx, request)
    except DomainError:
        return _notice_page("throttled")
    if not _TOKEN.match(token):
        return _notice_page("unknown")
    with ctx.uow() as uow:
        try:
            view = service.link_view(uow, token)
        except LinkUnknown:
            return _notice_page("unknown")
    if view["state"] != "usable":
        return _notice_page(view["state"], token if view["state"] == "used" else None)
    return _rating_page(token, view)
