"""What the command centre's API answers (``response_model`` of command_centre.routes): the
screen's snapshot and booth detail (``views``), the records search (``records``) and remote
assist (``assist``). Alerts, hits and instructions are those domains' own answer models;
plate reads and remote commands are the plate_reads and booths domains' views, kept open
here (``OtherDomainView``). Times are ISO 8601 strings."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from gangting.alerts.schemas import AlertOut
from gangting.instructions.schemas import InstructionOut
from gangting.watchlists.schemas import HitOut
from gangting.web.openapi import Answer


class OtherDomainView(Answer):
    """A plate read or a remote command as its own domain's view builds it (every key
    passes through)."""

    model_config = ConfigDict(extra="allow")

    id: str


class LiveStatus(Answer):
    enabled: bool = Field(description="本进程是否启用实时推送")
    connected: bool = Field(description="是否已连上消息总线")
    streams: int = Field(description="当前实时事件流连接数")
    hub: dict[str, int] = Field(description="事件中枢计数")
    published: dict[str, int] = Field(description="本进程发布的事件计数")


class MeOut(Answer):
    """Who is looking: name, role, unit and whether they may command (issue, assign)."""

    username: str
    name: str
    role: str | None
    role_zh: str | None
    unit: str | None
    may_command: bool


class RecordColumn(Answer):
    key: str
    zh: str


class RecordPage(Answer):
    """One page of records, each row the column keys with the text shown (and exported)."""

    kind: str = Field(description="plate_reads | hits | alerts | instructions")
    title: str
    now: str
    columns: list[RecordColumn]
    rows: list[dict[str, str]]
    total: int
    page: int
    size: int
    pages: int


class BoothFault(Answer):
    key: str
    cause: str
    severity: str
    title: str


class BoothOut(Answer):
    """A booth on the map (``views.booth_view``) with ``help``: a help call being handled."""

    code: str
    name: str
    address: str
    district_code: str
    district: str | None
    org_unit: str
    lon: float
    lat: float
    enabled: bool
    status: str = Field(description="地图颜色：正常、告警、离线、无数据 …")
    status_zh: str
    availability: str = Field(description="online | offline | unknown")
    faults: list[BoothFault]
    values: dict[str, Any] = Field(description="各类运行数据的当前值")
    kiosk: Any = Field(description="岗亭上报的自助终端状态")
    last_reported_at: str | None
    last_changed_at: str | None
    help: bool


class HitInstruction(Answer):
    id: str
    no: str
    state: str


class ScreenHit(HitOut):
    """A hit on the screen; a confirmed one carries ``instruction``, the newest instruction
    issued from it (null: none yet), a pending one has no such key."""

    instruction: HitInstruction | None = None


class KioskScreenOut(Answer):
    """What the operator sees of the kiosk (``rules.kiosk_screen_view``)."""

    screen: str
    screen_zh: str
    service: str | None
    service_zh: str | None
    step: int | None
    steps: int
    elder: bool
    screen_elapsed_s: int


class SessionOut(Answer):
    """One remote-assist session (``assist.session_view``)."""

    id: str
    booth: str
    booth_name: str
    state: str = Field(description="waiting | active | closed")
    state_zh: str
    help_call_id: str | None
    opened_at: str | None
    operator: str | None
    joined_at: str | None
    closed_at: str | None
    closed_by: str | None
    close_note: str | None
    screen: KioskScreenOut | None
    screen_reported_at: str | None
    booth_seen_at: str | None
    last_seq: int


class MessageOut(Answer):
    seq: int
    sender: str = Field(description="citizen | operator")
    kind: str = Field(description="text | hint")
    text: str
    author: str | None
    at: str | None


class SessionList(Answer):
    sessions: list[SessionOut]


class SessionDetail(SessionOut):
    now: str | None
    messages: list[MessageOut]


class SentToKiosk(Answer):
    session: SessionOut
    message: MessageOut


class BoothSyncOut(Answer):
    """The session the booth follows (null: none) and the messages after ``since_seq``."""

    session: SessionOut | None
    messages: list[MessageOut]


class Snapshot(Answer):
    """Everything the screen shows at start (and after a gap in the live stream)."""

    now: str | None
    me: MeOut
    booths: list[BoothOut]
    alerts: list[AlertOut]
    hits: list[ScreenHit]
    instructions: list[InstructionOut]
    plate_reads: list[OtherDomainView]
    assist: list[SessionOut]


class BoothUnit(Answer):
    code: str
    name: str


class BoothFull(BoothOut):
    unit: BoothUnit
    disabled_by: str | None
    disabled_reason: str | None
    broker_account: bool = Field(description="是否已开通消息总线账号")
    reported: dict[str, Any] = Field(description="岗亭最近一次上报的状态")
    reported_at: str | None
    availability_changed_at: str | None


class BoothDetail(Answer):
    now: str | None
    booth: BoothFull
    alerts: list[AlertOut]
    commands: list[OtherDomainView]
    plate_reads: list[OtherDomainView]
    telemetry_kinds: list[str]
    assist: SessionOut | None


class TelemetryPoint(Answer):
    at: str | None
    value: Any


class TelemetryHistory(Answer):
    model_config = ConfigDict(populate_by_name=True)

    booth: str
    kind: str
    now: str | None
    from_: str | None = Field(alias="from")
    numeric: bool = Field(description="数值（曲线）或状态（色带）")
    points: list[TelemetryPoint]


class PlateReadEvidence(Answer):
    id: str
    booth: str
    plate_no: str
    jpeg_b64: str | None = Field(description="证据小图（JPEG，Base64）")
    box: Any
    frame_size: Any
