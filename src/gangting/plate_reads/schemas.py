"""The plate-read event: the versioned payload a booth's camera worker sends to the centre;
and the centre's answers about reads (to the booth that sent one, to staff who list them).

One contract for both ends: the node builds it, the centre decodes it at the edge (HTTP now,
MQTT later). ``v`` is "MAJOR.MINOR", as in the booths' other payloads: a reader accepts its
own major version with any minor one (a newer minor only adds optional fields, which are
ignored); a change an old reader cannot take gets a new major version.
"""

from __future__ import annotations

import uuid
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from gangting.web.openapi import Answer, Id, IsoDateTime

MAJOR = 1
MINOR = 0
VERSION = f"{MAJOR}.{MINOR}"
# base64 of a JPEG of at most ~15 KB: the evidence crop stays small on the wire and in rows.
EVIDENCE_B64_MAX_CHARS = 20_000

Box = tuple[float, float, float, float]


class PlateReadEvent(BaseModel):
    """One vehicle pass seen by one camera: the plate voted over the frames it was read in."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    v: str = Field(default=VERSION, pattern=rf"^{MAJOR}\.\d{{1,3}}$", description="载荷版本")
    event_id: uuid.UUID = Field(description="事件编号（UUIDv7，岗亭生成；同一编号只记一次）")
    booth: str = Field(min_length=1, max_length=32, description="岗亭编号")
    camera: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="摄像机编号")
    plate: str = Field(min_length=7, max_length=8, description="号牌号码，如 蒙B12345")
    colour: str = Field(pattern=r"^[a-z_]{1,16}$", description="号牌颜色 blue|yellow|green…")
    plate_type: str = Field(pattern=r"^[a-z_]{1,24}$", description="号牌种类 small|large…")
    confidence: float = Field(ge=0, le=1, description="整体置信度")
    char_confidences: list[float] = Field(min_length=7, max_length=8, description="逐字置信度")
    frames: int = Field(ge=1, le=100_000, description="参与投票的帧数")
    agreeing: int = Field(ge=0, le=100_000, description="与结果完全一致的帧数")
    first_seen_at: AwareDatetime = Field(description="首次看到（带时区）")
    last_seen_at: AwareDatetime = Field(description="最后看到（带时区）")
    box: Box | None = Field(default=None, description="号牌在画面中的位置 x1,y1,x2,y2（像素）")
    frame_size: tuple[int, int] | None = Field(default=None, description="画面宽、高（像素）")
    evidence_jpeg_b64: str | None = Field(
        default=None,
        max_length=EVIDENCE_B64_MAX_CHARS,
        pattern=r"^[A-Za-z0-9+/]+={0,2}$",
        description="证据小图（JPEG，base64）",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.last_seen_at < self.first_seen_at:
            raise ValueError("last_seen_at is before first_seen_at")
        if len(self.char_confidences) != len(self.plate):
            raise ValueError("one confidence per plate character")
        if any(not 0 <= c <= 1 for c in self.char_confidences):
            raise ValueError("character confidences lie in [0, 1]")
        if self.agreeing > self.frames:
            raise ValueError("more agreeing frames than frames")
        return self


class PlateReadAnswer(Answer):
    """The booth's answer: what was stored, without the evidence crop (kept with the key)."""

    plate_read_id: Id
    event_id: Id
    booth: str
    plate_no: str
    vehicle_id: Id | None = Field(description="登记在册的机动车（未登记：空）")
    duplicate: bool = Field(description="同一事件编号此前已记录（本次未重复记录）")


class PlateReadView(Answer):
    """One stored read as staff see it, with the evidence crop."""

    id: Id
    event_id: Id
    booth: str
    camera: str
    plate_no: str
    colour: str
    plate_type: str
    confidence: float
    char_confidences: list[float]
    frames: int
    agreeing: int
    first_seen_at: IsoDateTime
    last_seen_at: IsoDateTime
    received_at: IsoDateTime
    box: list[float] | None = Field(description="号牌在画面中的位置 x1,y1,x2,y2（像素）")
    frame_size: list[int] | None = Field(description="画面宽、高（像素）")
    evidence_jpeg_b64: str | None = Field(description="证据小图（JPEG，base64）")
    vehicle_id: Id | None


class PlateReadList(Answer):
    plate_reads: list[PlateReadView]
