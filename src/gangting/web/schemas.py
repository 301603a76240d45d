"""Shared request-model base: unknown fields are refused, strings are trimmed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
