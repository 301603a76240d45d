"""The API documentation pages (/docs Swagger UI, /redoc ReDoc) with every asset served
from this process: a police private network has no internet, so no script, style sheet or
icon may come from a CDN. The assets are Swagger UI's and ReDoc's own distribution files,
shipped in the ``fastapi-offline`` wheel (MIT); only its static folder is used."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/api-docs-assets"


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from local assets. Create the app with ``docs_url=None`` and
    ``redoc_url=None`` so FastAPI's CDN-loading pages are not mounted."""
    assert app.docs_url is None and app.redoc_url is None
    folder = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="api-docs-assets")
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — 接口文档",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            oauth2_redirect_url=redirect,
        )

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} — 接口文档",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
