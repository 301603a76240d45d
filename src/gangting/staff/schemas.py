"""Answers of the log-in routes (staff here; booth devices answer the same shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gangting.web.openapi import Answer


class TokenAnswer(Answer):
    access_token: str = Field(description="访问令牌：之后的请求携带 Authorization: Bearer <令牌>")
    token_type: Literal["bearer"]
