"""ASGI entry point for uvicorn: builds the app from the environment's Settings."""

from gangting.config import Settings
from gangting.context import build_context
from gangting.web.app import create_app

app = create_app(build_context(Settings()))
