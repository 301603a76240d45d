"""ASGI entry point for uvicorn: builds the app from the environment's Settings."""

from gangting.app import create_app
from gangting.config import Settings
from gangting.context import build_context

app = create_app(build_context(Settings()))
