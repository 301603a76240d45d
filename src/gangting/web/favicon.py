"""The platform's icon (a booth on police blue), served by the centre and by every booth
node at /favicon.svg and /favicon.ico from the package itself (no remote resources)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).parent / "static"
_ICONS = {"favicon.svg": "image/svg+xml", "favicon.ico": "image/x-icon"}


def install_favicon(app: FastAPI) -> None:
    """Add the icon routes; call it before mounting anything at "/"."""
    for name, media_type in _ICONS.items():
        path = STATIC_DIR / name

        def icon(path: Path = path, media_type: str = media_type) -> FileResponse:
            return FileResponse(
                path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
            )

        app.add_api_route(f"/{name}", icon, methods=["GET"], include_in_schema=False)
