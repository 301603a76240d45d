"""Answer shapes of the approvals API (documentation and the answers' check)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gangting.web.openapi import Answer, Id, IsoDateTime


class ApprovalView(Answer):
    id: Id
    kind: str = Field(
        description="late_fee_pause | watch_list_entry | kiosk_lock | citizen_reveal | "
        "staff_role_change | fine_deferral"
    )
    kind_zh: str
    state: str = Field(description="pending | approved | rejected | expired | executed")
    state_zh: str
    subject_kind: str = Field(description="所涉记录的类型，如 penalty_decision、booth")
    subject_id: str = Field(description="所涉记录，如处罚决定书编号、号牌、岗亭编号")
    subject_path: str | None = Field(description="所涉记录所属单位的路径（为空：仅管理员）")
    request: dict[str, Any] = Field(description="申请人提交的内容（审批通过后按此执行）")
    maker: str = Field(description="申请人用户名")
    created_at: IsoDateTime
    expires_at: IsoDateTime = Field(description="到期未审批即过期")
    checker: str | None = Field(description="审批人用户名（不能是申请人本人）")
    decided_at: IsoDateTime | None
    note: str | None = Field(description="审批意见（驳回时必填）")
    result: dict[str, Any] | None = Field(description="执行结果（与直接办理时的应答相同）")


class ApprovalList(Answer):
    approvals: list[ApprovalView]
