"""Apps that need no internet: a police private network has none, so no script, style sheet
or icon may come from a CDN. ``offline_app`` makes the FastAPI app of the centre and of a
booth node with the API documentation pages (/docs Swagger UI, /redoc ReDoc) served from
local assets (Swagger UI's and ReDoc's own distribution files, shipped in the
``fastapi-offline`` wheel (MIT); only its static folder is used) and the platform's icon
(/favicon.svg, /favicon.ico, from this package)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/api-docs-assets"
STATIC_DIR = Path(__file__).parent / "static"
_ICONS = {"favicon.svg": "image/svg+xml", "favicon.ico": "image/x-icon"}
# The docs pages may load nothing from elsewhere: ReDoc's sidebar would fetch its maker's logo
# from a CDN (the browser now never asks). Swagger UI starts from an inline script and ReDoc
# styles inline and searches in a blob worker.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
    "font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def offline_app(**kwargs: Any) -> FastAPI:
    """``FastAPI(**kwargs)`` without FastAPI's CDN-loading docs pages, with local ones and
    the icon instead."""
    app = FastAPI(**kwargs, docs_url=None, redoc_url=None)
    install_api_docs(app)
    install_favicon(app)
    return app


def install_favicon(app: FastAPI) -> None:
    """Add the icon routes; before anything is mounted at "/"."""
    for name, media_type in _ICONS.items():
        path = STATIC_DIR / name

        def icon(path: Path = path, media_type: str = media_type) -> FileResponse:
            return FileResponse(
                path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
            )

        app.add_api_route(f"/{name}", icon, methods=["GET"], include_in_schema=False)


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from local assets (the app made with ``docs_url=None`` and
    ``redoc_url=None``, so FastAPI's CDN-loading pages are not mounted)."""
    assert app.docs_url is None and app.redoc_url is None
    folder = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="api-docs-assets")
    title = f"{app.title} — 接口文档"
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = "/docs/oauth2-redirect"

    def local_only(page: HTMLResponse) -> HTMLResponse:
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return local_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=title,
                swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS}/favicon.png",
                oauth2_redirect_url=redirect,
            )
        )

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return local_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=title,
                redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )
