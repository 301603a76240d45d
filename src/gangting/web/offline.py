"""Apps that need no internet: a police private network has none, so no script, style sheet
or icon may come from a CDN. ``offline_app`` makes the FastAPI app of the centre and of a
booth node with the API documentation pages (/docs Swagger UI, /redoc ReDoc) served from
local assets (Swagger UI's and ReDoc's own distribution files, shipped in the
``fastapi-offline`` wheel (MIT); only its static folder is used) and the platform's icon
(/favicon.svg, /favicon.ico, from this package)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles

from gangting.web.openapi import with_error_responses

ASSETS = "/api-docs-assets"
DOCS_SCRIPT = "/api-docs.js"
ApiDocs = Literal["public", "staff", "off"]
STATIC_DIR = Path(__file__).parent / "static"
_ICONS = {"favicon.svg": "image/svg+xml", "favicon.ico": "image/x-icon"}
# The docs pages may load nothing from elsewhere: ReDoc's sidebar would fetch its maker's logo
# from a CDN (the browser now never asks). Both start from a script file of this package
# (no inline script); Swagger UI and ReDoc style inline and ReDoc searches in a blob worker.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def offline_app(
    *, api_docs: ApiDocs = "public", docs_reader: Callable[..., Any] | None = None, **kwargs: Any
) -> FastAPI:
    """``FastAPI(**kwargs)`` without FastAPI's CDN-loading docs pages, with local ones and
    the icon instead. ``api_docs``: "public" (the demo, a booth node's kiosk on localhost),
    "staff" (the OpenAPI document answers only a staff bearer token; the pages ask for a
    staff login or use the command centre's in the same tab), "off" (no document, no pages).
    ``docs_reader``: with "staff", the dependency that lets only staff through (the centre's
    composition root gives it: this module knows no authentication, the booth node loads it).
    """
    app = FastAPI(**kwargs, docs_url=None, redoc_url=None, openapi_url=None)
    describe_errors(app)
    app.state.api_docs = api_docs
    if api_docs != "off":
        guard = docs_reader if api_docs == "staff" else None
        assert api_docs != "staff" or guard is not None, "staff-only docs need docs_reader"
        install_api_docs(app, reader=guard)
    install_favicon(app)
    return app


def describe_errors(app: FastAPI) -> None:
    """The app's OpenAPI document lists every refusal each operation can answer and its
    required headers as required (``web.openapi.with_error_responses``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_favicon(app: FastAPI) -> None:
    """Add the icon routes; before anything is mounted at "/"."""
    for name, media_type in _ICONS.items():
        path = STATIC_DIR / name

        def icon(path: Path = path, media_type: str = media_type) -> FileResponse:
            return FileResponse(
                path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
            )

        app.add_api_route(f"/{name}", icon, methods=["GET"], include_in_schema=False)


OPENAPI_URL = "/openapi.json"


def install_api_docs(app: FastAPI, *, reader: Callable[..., Any] | None) -> None:
    """Serve the OpenAPI document and the /docs and /redoc pages from local assets (the app
    made with ``docs_url=None``, ``redoc_url=None`` and ``openapi_url=None``, so none of
    FastAPI's own (CDN-loading, always public) routes is mounted)."""
    assert app.docs_url is None and app.redoc_url is None and app.openapi_url is None
    folder = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="api-docs-assets")
    title = f"{app.title} — 接口文档"

    guards = [Depends(reader)] if reader is not None else []

    @app.get(OPENAPI_URL, include_in_schema=False, dependencies=guards)
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(DOCS_SCRIPT, include_in_schema=False)
    def docs_script() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "api-docs.js",
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(
            title,
            "swagger",
            [f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">'],
            f"{ASSETS}/swagger-ui-bundle.js",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(title, "redoc", [], f"{ASSETS}/redoc.standalone.js")


def _page(title: str, kind: str, head: list[str], viewer_js: str) -> HTMLResponse:
    """The docs page: the viewer's script and ours (``api-docs.js``: fetch the document,
    with the staff token when the server asks for one, then start the viewer)."""
    html = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="icon" href="{ASSETS}/favicon.png">
{"".join(head)}
</head>
<body>
<form id="docs-login" hidden>
  <p id="docs-login-why">接口文档仅向已登录的民警开放，请登录。</p>
  <label>用户名 <input name="username" autocomplete="username" required></label>
  <label>密码 <input name="password" type="password" autocomplete="current-password"
    required></label>
  <button type="submit">登录</button>
  <p id="docs-login-error" role="alert"></p>
</form>
<div id="docs" data-viewer="{kind}" data-openapi="{OPENAPI_URL}"></div>
<script src="{viewer_js}"></script>
<script type="module" src="{DOCS_SCRIPT}"></script>
</body>
</html>
"""
    return HTMLResponse(
        html, headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"}
    )
