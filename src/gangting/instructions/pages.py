"""The officers' phone page (/m/): plain HTML, CSS and an ES module, served by the centre,
no framework and no remote resources. It talks to the instructions API with the officer's
own bearer token."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from gangting.kernel.errors import NotFound

STATIC_DIR = Path(__file__).parent / "static"
_FILES = {
    "": ("officer.html", "text/html; charset=utf-8"),
    "officer.css": ("officer.css", "text/css; charset=utf-8"),
    "officer.js": ("officer.js", "text/javascript; charset=utf-8"),
}
# The page and its two files only; the page allows nothing from elsewhere.
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["民警手机页 officer page"], include_in_schema=False)


@router.get("/m", response_class=RedirectResponse)
def officer_page_root() -> RedirectResponse:
    return RedirectResponse("/m/", status_code=307)


@router.get("/m/{name}", response_class=HTMLResponse)
@router.get("/m/", name="officer_page", response_class=HTMLResponse)
def officer_page(name: str = "") -> FileResponse:
    if name not in _FILES:
        raise NotFound("未找到该页面", code="pages.not_found")
    file_name, media_type = _FILES[name]
    return FileResponse(STATIC_DIR / file_name, media_type=media_type, headers=_HEADERS)
