"""What the watch-list API answers (``response_model`` of watchlists.routes): the booths'
copy, the staff list's entries (``service.entry_view``), rebuild counts and the hits
(``hits.hit_view``). Times are ISO 8601 strings."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.web.openapi import Answer


class BoothEntry(Answer):
    """What a booth's copy holds of an entry: enough to match, no reason or person."""

    id: str
    plate_no: str
    reason_kind: str
    expires_at: str | None


class BoothWatchList(Answer):
    """Full (``full: true``) or the delta since ``since_version`` (present only then)."""

    version: int = Field(description="应用本次应答后岗亭持有的版本")
    changed_at: str | None
    full: bool
    since_version: int | None = Field(default=None, description="增量的起点（仅增量应答）")
    entries: list[BoothEntry]
    removals: list[str] = Field(description="自该版本以来撤控的条目编号")


class EntrySource(Answer):
    kind: str = Field(description="manual | vehicle | violations …")
    ref: str


class EntryOut(Answer):
    id: str
    plate_no: str
    plate: str = Field(description="显示用号牌，如 蒙B·12345")
    reason_kind: str
    reason_kind_zh: str
    reason: str
    legal_basis: list[str]
    source: EntrySource
    facts: dict[str, Any] = Field(description="布控依据的业务事实")
    vehicle_id: str | None
    owner: str | None
    state: str = Field(description="active | withdrawn")
    created_at: str | None
    created_by: str
    expires_at: str | None
    withdrawn_at: str | None
    withdrawn_by: str | None
    withdrawn_reason: str | None
    version: int


class EntryList(Answer):
    version: int
    total: int
    entries: list[EntryOut]


class RebuildOut(Answer):
    added: dict[str, int] = Field(description="按布控类别新增的条数")
    withdrawn: dict[str, int] = Field(description="按布控类别撤控的条数")
    expired: int = Field(description="到期撤控的人工布控条数")
    changed: bool
    version: int


class HitEntry(Answer):
    id: str
    reason_kind: str
    reason_kind_zh: str
    reason: str
    legal_basis: list[str]
    state: str


class HitOut(Answer):
    """One hit (``hits.hit_view``)."""

    id: str
    state: str = Field(description="pending | confirmed | rejected")
    state_zh: str
    plate_no: str
    plate: str
    read_plate: str = Field(description="摄像头识别出的号牌")
    score: float
    entry: HitEntry
    matches: list[dict[str, Any]]
    booth: str
    camera: str
    plate_read_id: str | None
    seen_at: str | None
    last_seen_at: str | None
    repeats: int
    raised_at: str | None
    decided_by: str | None
    decided_at: str | None
    note: str | None
    repeat: bool


class HitList(Answer):
    hits: list[HitOut]


class HitEvidence(Answer):
    jpeg_b64: str | None = Field(description="证据小图（JPEG，Base64）")
    box: Any
    frame_size: Any
    char_confidences: list[float]
    confidence: float


class HitDetail(HitOut):
    evidence: HitEvidence | None
