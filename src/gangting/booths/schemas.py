"""Answers of the booths' routes: what a booth reports about itself, and remote commands."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gangting.booths.rules import CommandState
from gangting.web.openapi import Answer, Id, IsoDateTime


class HelpCallAnswer(Answer):
    help_call_id: Id = Field(description="求助编号")
    booth: str | None = Field(description="岗亭编号")
    kind: str = Field(description="求助类型，如 assistance")
    state: Literal["open", "answered", "closed"]
    called_at: IsoDateTime


class TelemetryAnswer(Answer):
    booth: str
    kind: str = Field(description="door | power | temperature_c | paper …")
    value: bool | int | float | str
    state: dict[str, Any] = Field(description="岗亭当前设备状态（各项最新读数）")


class ReceiptPrintedAnswer(Answer):
    receipt_no: str
    booth: str
    printed_at: IsoDateTime


class CommandView(Answer):
    id: Id
    booth: str = Field(description="岗亭编号")
    kind: str = Field(description="announcement | lock_kiosk | unlock_kiosk | …")
    kind_zh: str
    params: dict[str, Any] = Field(description="按指令类型的参数")
    state: CommandState
    issued_by: str = Field(description="下发人")
    reason: str | None = Field(description="下发事由")
    issued_at: IsoDateTime | None
    expires_at: IsoDateTime | None
    sent_at: IsoDateTime | None
    acknowledged_at: IsoDateTime | None
    finished_at: IsoDateTime | None
    outcome: dict[str, Any] | None = Field(description="岗亭回报的结果（错误代码与细节）")


class CommandList(Answer):
    commands: list[CommandView]
