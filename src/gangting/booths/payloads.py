"""Versioned payloads of the booth <-> centre MQTT messages, decoded at the edge.

Every payload is a JSON object with ``v`` = "MAJOR.MINOR". A reader accepts its own major
version with any minor version: a newer minor only adds optional fields, which are ignored.
Another major version, malformed JSON or a field that fails validation is refused with a
named error (``booths.payload_version_unsupported`` / ``booths.payload_invalid``), never an
exception the consumer does not expect. The plate-read payload belongs to the plate_reads
domain (``PlateReadEvent``) and is decoded there.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from gangting.booths.errors import CommandParamsInvalid, PayloadInvalid, PayloadVersionUnsupported
from gangting.booths.rules import COMMAND_KINDS

MAJOR = 1
MINOR = 0
VERSION = f"{MAJOR}.{MINOR}"
MAX_PAYLOAD_BYTES = 64 * 1024
_VERSION = re.compile(r"^(\d{1,3})\.(\d{1,3})$")

Scalar = bool | int | float | str
DeviceStatus = Literal["ok", "fault", "offline"]


class Payload(BaseModel):
    """Common envelope: the payload version and when it happened on the booth."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    v: str = Field(default=VERSION, pattern=r"^\d{1,3}\.\d{1,3}$", description="载荷版本")
    at: AwareDatetime = Field(description="岗亭上发生的时间（带时区）")
    # Optional: a payload that names a booth names its sender (the topic's booth), else it
    # is refused like HTTP's 403 (gangting.booths.clock.check_named_booth).
    booth: str | None = Field(default=None, max_length=32, description="岗亭编号（须为本岗亭）")


class TelemetryReport(Payload):
    """One reading; its kind is the last level of the topic."""

    # "smart": JSON 1 stays an integer and "yes" a string (left-to-right would make both True).
    value: Scalar


class StateReport(Payload):
    """The booth's own account of how it runs (retained: the latest is always there)."""

    kiosk: Literal["in_service", "locked", "maintenance"] = "in_service"
    adapters: dict[str, DeviceStatus] = Field(default_factory=dict, max_length=32)
    watch_list_version: str | None = Field(default=None, max_length=64)
    software_version: str | None = Field(default=None, max_length=32)


class AvailabilityReport(Payload):
    """Online when a connection opens; offline on a clean shutdown or, as the last will,
    when the broker loses the connection. ``session`` names the connection."""

    status: Literal["online", "offline"]
    session: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    reason: Literal["connected", "shutdown", "will"] | None = None


class HelpCallReport(Payload):
    """A citizen pressed help; ``id`` is made by the booth, so a redelivery counts once."""

    id: uuid.UUID
    kind: str = Field(default="assistance", pattern=r"^[a-z_]{1,32}$")
    note: str | None = Field(default=None, max_length=500)


class CommandMessage(Payload):
    """A remote command to one booth (``at`` is when it was issued)."""

    id: uuid.UUID
    kind: str = Field(pattern=r"^[a-z_]{1,32}$")
    params: dict[str, Any] = Field(default_factory=dict)
    expires_at: AwareDatetime
    issued_by: str = Field(max_length=64)


class CommandReply(Payload):
    """The booth's acknowledgement, then its result, on ``…/commands/{id}/ack``."""

    status: Literal["acknowledged", "succeeded", "failed"]
    error: str | None = Field(default=None, max_length=64, description="失败时的错误码")
    detail: str | None = Field(default=None, max_length=500)


class RefusalNotice(Payload):
    """The centre refused a message this booth published (it was not stored), on
    ``…/refusals``: the message's topic, the error code and zh-CN message, its data (``at``:
    the centre's time of the refusal)."""

    topic: str = Field(max_length=200)
    error: str = Field(max_length=64)
    message: str = Field(max_length=500)
    data: dict[str, Any] = Field(default_factory=dict)


# --- command parameters, one model per kind (checked by the centre before it queues a
# --- command and by the booth before it runs one)


class CommandParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AnnouncementParams(CommandParams):
    text: str = Field(min_length=1, max_length=200, description="播报内容")
    repeat: int = Field(default=1, ge=1, le=3)


class LockKioskParams(CommandParams):
    notice: str = Field(default="暂停服务", min_length=1, max_length=100, description="终端提示")


class UnlockKioskParams(CommandParams):
    pass


Adapter = Literal[
    "id_reader",
    "face_camera",
    "printer",
    "payment_terminal",
    "help_button",
    "sensors",
    "speaker",
    "plate_camera",
]


class RestartAdapterParams(CommandParams):
    adapter: Adapter


class RefreshWatchListParams(CommandParams):
    version: str | None = Field(default=None, max_length=64)


PARAMS_BY_KIND: dict[str, type[CommandParams]] = {
    "announcement": AnnouncementParams,
    "lock_kiosk": LockKioskParams,
    "unlock_kiosk": UnlockKioskParams,
    "restart_adapter": RestartAdapterParams,
    "refresh_watch_list": RefreshWatchListParams,
}
assert set(PARAMS_BY_KIND) == set(COMMAND_KINDS)


def parse_params(kind: str, params: dict[str, Any]) -> CommandParams:
    """The typed parameters of a command kind; ``CommandParamsInvalid`` otherwise."""
    model = PARAMS_BY_KIND.get(kind)
    if model is None:
        raise CommandParamsInvalid(
            "不支持的指令类型", data={"kind": kind, "kinds": list(COMMAND_KINDS)}
        )
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise CommandParamsInvalid("指令参数不正确", data={"errors": _errors(exc)}) from None


# --- telemetry kinds the centre knows; a kind it does not know (a newer booth) is kept
# --- as reported, any scalar

_STATUS = ("ok", "fault", "offline")
TELEMETRY_KINDS: dict[str, str] = {
    "heartbeat": "uptime in seconds (integer >= 0)",
    "paper": "printer paper: ok | low | out",
    "card_reader": "ID card reader: ok | fault | offline",
    "camera": "camera (also camera_<name>): ok | fault | offline",
    "door": "cabinet door: open | closed",
    "power": "mains | battery | off",
    "temperature_c": "cabinet temperature in °C (-60 … 90)",
    "queue_length": "citizens waiting (integer 0 … 1000)",
    "outbox_refused": "reports the centre refused, held on the booth (integer 0 … 10^6)",
}


def check_telemetry_value(kind: str, value: Scalar) -> None:
    """Refuse a value that cannot be right for a known kind."""
    ok: bool
    if kind in ("heartbeat", "queue_length", "outbox_refused"):
        limit = {"heartbeat": 10**9, "queue_length": 1000, "outbox_refused": 10**6}[kind]
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit
    elif kind == "temperature_c":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and -60 <= value <= 90
    elif kind == "paper":
        ok = value in ("ok", "low", "out")
    elif kind in ("card_reader", "camera") or kind.startswith("camera_"):
        ok = value in _STATUS
    elif kind == "door":
        ok = value in ("open", "closed")
    elif kind == "power":
        ok = value in ("mains", "battery", "off")
    else:
        ok = not isinstance(value, str) or len(value) <= 200
    if not ok:
        raise PayloadInvalid(
            "运行数据取值不正确", data={"kind": kind, "expected": TELEMETRY_KINDS.get(kind)}
        )


P = TypeVar("P", bound=Payload)


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "type": e["type"]} for e in exc.errors()[:5]
    ]


def decode(model: type[P], raw: bytes) -> P:
    """Decode one message body into its payload model (see the module docstring)."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise PayloadInvalid("消息过大", data={"bytes": len(raw), "max": MAX_PAYLOAD_BYTES})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise PayloadInvalid("消息不是有效的JSON") from None
    if not isinstance(data, dict):
        raise PayloadInvalid("消息应为JSON对象")
    version = data.get("v")
    match = _VERSION.match(version) if isinstance(version, str) else None
    if match is None:
        raise PayloadInvalid("缺少或无效的载荷版本 v", data={"v": str(version)[:16]})
    if int(match.group(1)) != MAJOR:
        raise PayloadVersionUnsupported(
            "不支持该载荷版本", data={"v": version, "supported": f"{MAJOR}.x"}
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PayloadInvalid("消息内容不正确", data={"errors": _errors(exc)}) from None


def decode_telemetry(kind: str, raw: bytes) -> TelemetryReport:
    report = decode(TelemetryReport, raw)
    check_telemetry_value(kind, report.value)
    return report


def encode(payload: BaseModel) -> bytes:
    return payload.model_dump_json().encode()
