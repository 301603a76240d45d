"""The guides in public: JSON (/api/v1/guides), zh-CN pages (/guides/, one per business)
and the PDF for the service hall's wall (/guides/{business}.pdf). No log-in: a guide holds
no personal data, only the rules and the configuration."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, HTMLResponse, Response

from gangting.applications.guides import Guide, page_url
from gangting.config import Settings
from gangting.guides import pages
from gangting.guides.registry import GuideNotFound, all_guides, guide_for
from gangting.guides.schemas import GuideList, GuideView
from gangting.kernel.errors import NotFound
from gangting.reporting.fonts import FAMILY, font_face_css
from gangting.reporting.pdf import html_to_pdf
from gangting.web.deps import ContextDep
from gangting.web.openapi import error_responses

STATIC_DIR = FilePath(__file__).parent / "static"
_ASSETS = {"guides.css": "text/css; charset=utf-8"}
_PAGE_HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter(tags=["办事指南 guides"])

Business = Annotated[
    str, Path(min_length=1, max_length=40, pattern=r"^[a-z_]+$", description="业务编号，如 renewal")
]


class GuideUnknown(NotFound):
    code = "guides.not_found"


def _guide(business: str, settings: Settings) -> Guide:
    try:
        return guide_for(business, settings)
    except GuideNotFound:
        raise GuideUnknown("没有该业务的办事指南", data={"business": business}) from None


@router.get("/api/v1/guides", response_model=GuideList, summary="全部业务的办事指南（公开）")
def list_guides(ctx: ContextDep) -> dict[str, Any]:
    return {
        "guides": [
            {
                "business": g.business,
                "title": g.title,
                "summary": g.summary,
                "version": g.version,
                "effective_on": g.effective_on.isoformat() if g.effective_on else "",
                "url": page_url(g.business),
                "pdf_url": f"/guides/{g.business}.pdf",
            }
            for g in all_guides(ctx.settings)
        ]
    }


@router.get(
    "/api/v1/guides/{business}",
    response_model=GuideView,
    responses=error_responses(404),
    summary="一项业务的办事指南：条件、材料、流程、依据、收费、时限、其他渠道（公开）",
)
def get_guide(business: Business, ctx: ContextDep) -> dict[str, Any]:
    return _guide(business, ctx.settings).to_dict()


@router.get("/guides/static/{name}", include_in_schema=False)
def guide_asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise GuideUnknown("未找到该页面", code="pages.not_found")
    return FileResponse(STATIC_DIR / name, media_type=_ASSETS[name], headers=_PAGE_HEADERS)


@router.get("/guides/", response_class=HTMLResponse, include_in_schema=False)
def guides_page(ctx: ContextDep) -> HTMLResponse:
    return HTMLResponse(pages.list_page(all_guides(ctx.settings)), headers=_PAGE_HEADERS)


@router.get("/guides/{business}.html", response_class=HTMLResponse, include_in_schema=False)
def guide_page(business: Business, ctx: ContextDep) -> HTMLResponse:
    return HTMLResponse(pages.guide_page(_guide(business, ctx.settings)), headers=_PAGE_HEADERS)


@lru_cache(maxsize=32)
def _pdf(guide: Guide, font: str) -> bytes:
    body = pages.guide_body(guide)
    return html_to_pdf(pages.print_document(guide, font_face_css(body, font), FAMILY))


@router.get("/guides/{business}.pdf", include_in_schema=False)
def guide_pdf(business: Business, ctx: ContextDep) -> Response:
    guide = _guide(business, ctx.settings)
    return Response(
        _pdf(guide, ctx.settings.report_font),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="guide-{guide.business}-{guide.version}.pdf"',
            **_PAGE_HEADERS,
        },
    )
