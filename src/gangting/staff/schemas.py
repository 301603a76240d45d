"""Answers of the log-in and session routes (staff here; booth devices answer the same
token shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gangting.web.openapi import Answer, IsoDateTime


class TokenAnswer(Answer):
    access_token: str = Field(description="访问令牌：之后的请求携带 Authorization: Bearer <令牌>")
    token_type: Literal["bearer"]
    expires_in_s: int = Field(
        description="令牌多少秒后失效（工作人员：空闲时限，续期后重新计算，不超过会话最长时限）"
    )


class SessionRenewed(Answer):
    expires_at: IsoDateTime = Field(description="本次续期后的失效时间")
    session_expires_at: IsoDateTime = Field(description="会话最长时限：到期后须重新登录")
    expires_in_s: int = Field(description="距失效的秒数")


class Done(Answer):
    ok: bool = Field(description="已完成")


class PasswordChanged(Answer):
    ok: bool = Field(description="密码已修改")
    sessions_ended: int = Field(description="被结束的本账号其他会话数")
