"""The booth's requests of an objection (处理程序规定 第5条第3款) and of supplied materials:
shapes the centre's desk and the booth node share, bounded by the pure rules (the node may
import them; the bottom layer `gangting.contracts` may not import a domain)."""

from __future__ import annotations

from pydantic import Field

from gangting.contracts import Request
from gangting.referrals.rules import MATERIALS_MAX, NOTE_MAX_CHARS


class FileObjection(Request):
    violation_ref: str = Field(min_length=1, max_length=32, description="违法记录编号")
    statement: str = Field(max_length=500, description="异议的事实和理由（2至500字）")
    evidence_refs: list[str] = Field(
        default_factory=list, max_length=MATERIALS_MAX, description="当事人提交的证据编号（照片等）"
    )


class Supply(Request):
    note: str | None = Field(default=None, max_length=NOTE_MAX_CHARS, description="补充说明")
    evidence_refs: list[str] = Field(
        default_factory=list, max_length=MATERIALS_MAX, description="补充的照片、证据编号"
    )
    documents: list[str] = Field(
        default_factory=list, max_length=MATERIALS_MAX, description="补充的材料编号"
    )
