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
    second_factor: Literal["not_required", "verified", "enrolment_required"] = Field(
        description="动态验证码：verified 已验证；not_required 该角色无须；"
        "enrolment_required 该角色须绑定而尚未绑定：此令牌只能用于绑定动态验证码"
        "（/api/v1/staff/totp/enrol、/api/v1/staff/totp/confirm）和退出登录"
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


class TotpSecret(Answer):
    secret: str = Field(description="动态验证码密钥（base32，只显示这一次）")
    otpauth_uri: str = Field(description="供身份验证器应用读取的 otpauth:// 地址")
    otpauth_qr: str = Field(description="同一地址的二维码（SVG data: URI），供手机扫描")


class TotpEnrolled(Answer):
    ok: bool = Field(description="已绑定")
    enrolled_at: IsoDateTime = Field(description="绑定时间")
    access_token: str | None = Field(
        default=None, description="会话令牌（以登录所得的绑定令牌确认时才有；绑定令牌随即失效）"
    )
    expires_in_s: int | None = Field(default=None, description="会话令牌的空闲时限（秒）")
