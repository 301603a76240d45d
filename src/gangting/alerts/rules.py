"""Pure rules of alerts: their kinds, severities and lifecycle, and which faults a booth's
current state shows. Stdlib only; no database, web or MQTT.

These are operating rules of the command centre (ARCHITECTURE.md "Devices"), not legal
rules: no article says when a printer is out of paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args


class AlertKind(StrEnum):
    HIT = "hit"
    BOOTH_FAULT = "booth_fault"
    HELP_CALL = "help_call"
    MISSED_DEADLINE = "missed_deadline"
    IDENTITY_RATE = "identity_rate"  # a booth's identity checks far above its normal


ALERT_KINDS: tuple[str, ...] = tuple(AlertKind)
ALERT_KIND_ZH: dict[str, str] = {
    "hit": "布控比中",
    "booth_fault": "岗亭故障",
    "help_call": "一键求助",
    "missed_deadline": "超时未办",
    "identity_rate": "核验频次异常",
}

Severity = Literal["high", "medium", "low"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
SEVERITY_ZH: dict[str, str] = {"high": "紧急", "medium": "重要", "low": "一般"}


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


ALERT_STATES: tuple[str, ...] = tuple(AlertState)
ALERT_STATE_ZH: dict[str, str] = {"open": "待签收", "acknowledged": "已签收", "closed": "已关闭"}
# open -> acknowledged -> closed; an open alert may also be closed at once (a false alarm,
# or a hit a person rejected): closing is always a person's or a rule's decision, with a note.
_MOVES: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "closed"}),
    "acknowledged": frozenset({"closed"}),
    "closed": frozenset(),
}


def alert_may_move(current: str, new: str) -> bool:
    """Whether an alert in ``current`` may move to ``new``: forward only, closed is final."""
    return new in _MOVES.get(current, frozenset())


def alert_may_be_assigned(state: str) -> bool:
    """An owner may be given or changed while the alert is not closed."""
    return state in ("open", "acknowledged")


def help_call_severity(kind: str) -> Severity:
    """An emergency help call is high; any other (assistance, device_fault …) medium."""
    return "high" if kind == "emergency" else "medium"


# --- booth faults -----------------------------------------------------------------------


@dataclass(frozen=True)
class FaultPolicy:
    """``max_temperature_c``: a cabinet at or above it is over-temperature
    (GANGTING_BOOTH_MAX_TEMPERATURE_C)."""

    max_temperature_c: float = 50.0


@dataclass(frozen=True)
class Fault:
    """One fault a booth shows: ``cause`` names it, ``part`` the camera or adapter when a
    booth has several; ``key`` is what stays the same while the fault lasts."""

    cause: str
    severity: Severity
    title: str
    part: str | None = None

    @property
    def key(self) -> str:
        return self.cause if self.part is None else f"{self.cause}:{self.part}"


FAULT_CAUSE_ZH: dict[str, str] = {
    "offline": "岗亭离线",
    "printer_paper_out": "打印机缺纸",
    "printer_paper_low": "打印纸即将用完",
    "printer_failed": "打印机故障",
    "card_reader_failed": "身份证阅读器故障",
    "camera_down": "摄像机故障",
    "door_open": "机柜门未关闭",
    "mains_power_lost": "市电中断（备用电源供电）",
    "power_off": "岗亭断电",
    "over_temperature": "机柜温度过高",
    "payment_terminal_failed": "支付终端故障",
    "adapter_failed": "设备故障",
    "outbox_refused": "岗亭上报被中心拒收",
}
_FAILED = ("fault", "offline")
# The booth's own state report names its adapters (booths.payloads.Adapter).
_ADAPTER_CAUSE: dict[str, str] = {
    "id_reader": "card_reader_failed",
    "printer": "printer_failed",
    "face_camera": "camera_down",
    "plate_camera": "camera_down",
    "payment_terminal": "payment_terminal_failed",
}
_SEVERITY: dict[str, Severity] = {
    "offline": "high",
    "printer_paper_out": "medium",
    "printer_paper_low": "low",
    "printer_failed": "medium",
    "card_reader_failed": "high",
    "camera_down": "medium",
    "door_open": "high",
    "mains_power_lost": "medium",
    "power_off": "high",
    "over_temperature": "high",
    "payment_terminal_failed": "high",
    "adapter_failed": "medium",
    "outbox_refused": "medium",
}


def _fault(cause: str, part: str | None = None, detail: str | None = None) -> Fault:
    title = FAULT_CAUSE_ZH[cause]
    if part is not None:
        title += f"（{part}）"
    if detail is not None:
        title += f"：{detail}"
    return Fault(cause, _SEVERITY[cause], title, part)


def booth_faults(
    readings: Mapping[str, object],
    availability: str,
    adapters: Mapping[str, str],
    policy: FaultPolicy | None = None,
) -> tuple[Fault, ...]:
    """The faults a booth's current state shows, one per ``Fault.key``, sorted by key.

    ``readings``: the current telemetry value of each kind (booths.payloads.TELEMETRY_KINDS);
    ``availability``: the broker availability (online | offline | unknown); ``adapters``:
    the booth's own report of its adapters (name -> ok | fault | offline).

    - availability "offline" -> offline ("unknown" is no fault: nothing was heard yet);
    - paper "out" -> printer_paper_out, "low" -> printer_paper_low;
    - card_reader fault|offline, or adapter id_reader -> card_reader_failed;
    - camera / camera_<name> fault|offline, or adapter face_camera / plate_camera ->
      camera_down of that camera;
    - door "open" -> door_open;
    - power "battery" -> mains_power_lost, "off" -> power_off;
    - outbox_refused > 0 (reports the centre refused, held on the booth) -> outbox_refused;
    - temperature_c >= ``policy.max_temperature_c`` -> over_temperature;
    - adapter printer / payment_terminal -> printer_failed / payment_terminal_failed; any
      other adapter fault|offline -> adapter_failed of that adapter.
    A value of an unexpected type is no fault (the edge validates known kinds).
    """
    limits = policy or FaultPolicy()
    found: dict[str, Fault] = {}

    def add(fault: Fault) -> None:
        found.setdefault(fault.key, fault)

    if availability == "offline":
        add(_fault("offline"))
    paper = readings.get("paper")
    if paper == "out":
        add(_fault("printer_paper_out"))
    elif paper == "low":
        add(_fault("printer_paper_low"))
    if readings.get("card_reader") in _FAILED:
        add(_fault("card_reader_failed"))
    for kind, value in readings.items():
        if (kind == "camera" or kind.startswith("camera_")) and value in _FAILED:
            add(_fault("camera_down", kind.removeprefix("camera_") if kind != "camera" else None))
    if readings.get("door") == "open":
        add(_fault("door_open"))
    power = readings.get("power")
    if power == "battery":
        add(_fault("mains_power_lost"))
    elif power == "off":
        add(_fault("power_off"))
    refused = readings.get("outbox_refused")
    if isinstance(refused, int) and not isinstance(refused, bool) and refused > 0:
        add(_fault("outbox_refused", detail=f"{refused}条"))
    temperature = readings.get("temperature_c")
    if (
        isinstance(temperature, int | float)
        and not isinstance(temperature, bool)
        and temperature >= limits.max_temperature_c
    ):
        add(_fault("over_temperature", detail=f"{temperature:g}℃"))
    for name, status in sorted(adapters.items()):
        if status not in _FAILED:
            continue
        cause = _ADAPTER_CAUSE.get(name, "adapter_failed")
        part = name if cause in ("camera_down", "adapter_failed") else None
        add(_fault(cause, part))
    return tuple(found[k] for k in sorted(found))
