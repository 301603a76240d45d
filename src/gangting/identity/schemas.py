"""The answer of the identity check: the identity token and the name it was issued to."""

from __future__ import annotations

from pydantic import Field

from gangting.web.openapi import Answer, IsoDateTime


class VerifiedCitizen(Answer):
    name: str = Field(description="核验通过的公民姓名")


class IdentityGrant(Answer):
    identity_token: str = Field(description="身份令牌：之后的市民业务携带 X-Identity-Token")
    expires_at: IsoDateTime
    citizen: VerifiedCitizen


class IdentityNonceGrant(Answer):
    nonce: str = Field(description="一次性随机数：签入下一次人证核验证据，用后即废")
    expires_at: IsoDateTime
