"""What the alerts API answers (``response_model`` of alerts.routes): ``service.alert_view``
and the list around it. ``Answer`` (gangting.web.openapi) refuses a key it does not list,
so a view that grows a field fails its tests instead of losing the field on the way out."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.web.openapi import Answer


class AlertSubject(Answer):
    kind: str = Field(description="watch_list_hit | help_call | booth | instruction …")
    id: str


class AlertOut(Answer):
    """One alert as staff see it (``alerts.service.alert_view``); times are ISO 8601."""

    id: str
    key: str = Field(description="自然键：同一来源重复触发不重复告警")
    kind: str
    kind_zh: str
    cause: str
    severity: str
    severity_zh: str
    title: str
    org_unit: str = Field(description="所属单位代码")
    booth: str | None
    subject: AlertSubject
    data: dict[str, Any] = Field(description="随告警类别而定的详情")
    state: str = Field(description="open | acknowledged | closed")
    state_zh: str
    owner: str | None
    raised_at: str | None
    last_raised_at: str | None
    occurrences: int
    cleared_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    closed_at: str | None
    closed_by: str | None
    close_note: str | None


class AlertList(Answer):
    alerts: list[AlertOut]
