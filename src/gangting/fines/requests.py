"""The booth's request to defer or split a fine (行政处罚法 第66条第2款): a shape the centre's
desk and the booth node share, bounded by the pure rules (the node may import it; the bottom
layer `gangting.contracts` may not import a domain)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from gangting.contracts import Request
from gangting.fines.deferral_rules import REASON_MAX_CHARS


class ApplyForDeferral(Request):
    decision_no: str = Field(min_length=1, max_length=32, description="处罚决定书编号")
    kind: Literal["deferral", "instalments"] = Field(
        description="deferral 暂缓缴纳 | instalments 分期缴纳"
    )
    reason: str = Field(max_length=REASON_MAX_CHARS, description="经济困难的情况（4至500字）")
    defer_until: date | None = Field(
        default=None,
        description="暂缓缴纳至（kind=deferral 时必填；不超过 GANGTING_FINE_DEFERRAL_MAX_DAYS 天）",
    )
    instalment_count: int | None = Field(
        default=None,
        description="分期期数（kind=instalments 时必填；2 至 GANGTING_FINE_INSTALMENTS_MAX_COUNT）",
    )
