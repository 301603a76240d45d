"""The reports' named errors (zh-CN messages, stable codes)."""

from __future__ import annotations

from gangting.kernel.errors import Invalid


class PeriodInvalid(Invalid):
    """The period asked for is not a usable one."""

    code = "reports.period_invalid"


class FormatInvalid(Invalid):
    code = "reports.format_invalid"
