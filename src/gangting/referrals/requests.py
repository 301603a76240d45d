"""The booth's requests of a referral (转办), of an objection (处理程序规定 第5条第3款) and of
supplied materials: shapes the centre's desk and the booth node share, bounded by the pure
rules (the node may import them; the bottom layer `gangting.contracts` may not import a
domain)."""

from __future__ import annotations

from typing import Any

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


class Refer(Request):
    service_item: str = Field(
        min_length=1, max_length=32, description="无法当场办结的事项（如 replacement）"
    )
    unit_code: str | None = Field(
        default=None, max_length=32, description="承办单位代码（省略：岗亭所属大队）"
    )
    reason: str = Field(max_length=500, description="转办原因（2至500字）")
    evidence_refs: list[str] = Field(
        default_factory=list, max_length=MATERIALS_MAX, description="岗亭采集的照片、证据编号"
    )
    documents: list[str] = Field(
        default_factory=list, max_length=MATERIALS_MAX, description="岗亭收取的材料、证件编号"
    )
    data: dict[str, Any] = Field(default_factory=dict, description="办件数据（原样转交）")
