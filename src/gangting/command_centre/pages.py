"""The command-centre screen (/centre/): plain HTML, CSS and ES modules served by the centre,
no framework and no remote resources (the page's policy allows only its own origin), and
the district map it draws (/centre/map.json, from the packaged GeoJSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from gangting.command_centre.views import district_map
from gangting.kernel.errors import NotFound

STATIC_DIR = Path(__file__).parent / "static"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_FILES = {
    "": "index.html",
    "centre.css": "centre.css",
    "centre.js": "centre.js",
    "api.js": "api.js",
    "live.js": "live.js",
    "map.js": "map.js",
    "chart.js": "chart.js",
    "panels.js": "panels.js",
    "assist.js": "assist.js",
    "records.html": "records.html",
    "records.js": "records.js",
    "supervision.html": "supervision.html",
    "supervision.js": "supervision.js",
    "supervision.css": "supervision.css",
    "manager.html": "manager.html",
    "manager.js": "manager.js",
    "manager.css": "manager.css",
    "remedies.html": "remedies.html",
    "remedies.js": "remedies.js",
    "remedies.css": "remedies.css",
}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
}

router = APIRouter(tags=["指挥中心大屏 command-centre screen"], include_in_schema=False)


@router.get("/centre", response_class=RedirectResponse)
def centre_root() -> RedirectResponse:
    return RedirectResponse("/centre/", status_code=307)


@router.get("/centre/map.json", response_class=JSONResponse)
def centre_map() -> JSONResponse:
    return JSONResponse(_map(), headers={"Cache-Control": "public, max-age=86400"})


_cached: list[dict[str, Any]] = []


def _map() -> dict[str, Any]:
    if not _cached:
        _cached.append(district_map())
    return _cached[0]


@router.get("/centre/{name}", response_class=HTMLResponse)
@router.get("/centre/", name="command_centre_screen", response_class=HTMLResponse)
def centre_page(name: str = "") -> FileResponse:
    file_name = _FILES.get(name)
    if file_name is None:
        raise NotFound("未找到该页面", code="pages.not_found")
    path = STATIC_DIR / file_name
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)
