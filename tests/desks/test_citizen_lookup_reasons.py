"""GET /api/v1/staff/citizens/{id}: a lookup's reason is real text (trimmed, at least four
letters, digits or Chinese characters); a reveal's reason names a case or ticket number."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gangting.audit.models import AuditEntry
from gangting.desks.supervision import has_reference, lookup_reason
from gangting.kernel.errors import Invalid
from tests.desks.conftest import Api


def look_up(api: Api, username: str, id_number: str, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.login_staff(username)}"}
    return api.client.get(f"/api/v1/staff/citizens/{id_number}", params=params, headers=headers)


def entries(api: Api, action: str) -> list[AuditEntry]:
    with api.ctx.uow() as uow:
        return list(
            uow.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        )


@pytest.mark.parametrize(
    "reason", ["", "    ", "\u3000\u3000\u3000\u3000", "....", "核查 ", "a b c"]
)
@pytest.mark.parametrize("reveal", [False, True])
def test_a_blank_or_empty_reason_is_a_named_422_and_nothing_is_shown_or_logged(
    api: Api, world: dict[str, Any], reason: str, reveal: bool
) -> None:
    r = look_up(api, "sup-kdl", world["driver"], reason=reason, reveal=str(reveal).lower())
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "supervision.reason_required"
    assert "查询事由" in r.json()["message"]
    assert entries(api, "citizen.lookup") == entries(api, "citizen.reveal") == []


def test_a_lookup_reason_is_stored_trimmed(api: Api, world: dict[str, Any]) -> None:
    r = look_up(api, "off-kdl", world["driver"], reason="  核查违法处理投诉  ")
    assert r.status_code == 200, r.text
    assert r.json()["masked"] is True
    (entry,) = entries(api, "citizen.lookup")
    assert entry.reason == "核查违法处理投诉"


@pytest.mark.parametrize("reason", ["核查违法处理投诉", "核查2026年投诉", "工单号：待补"])
def test_a_reveal_without_a_case_or_ticket_number_is_refused(
    api: Api, world: dict[str, Any], reason: str
) -> None:
    r = look_up(api, "sup-kdl", world["driver"], reason=reason, reveal="true")
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "supervision.reveal_reference_required"
    assert "案号或工单号" in r.json()["message"]
    assert entries(api, "citizen.reveal") == []


@pytest.mark.parametrize(
    "reason",
    [
        "行政诉讼应诉 案号（2026）内0203行初45号",
        "复议答复 包府行复〔2026〕12号",
        "投诉工单号GD20261126001核查",
        "警情 JQ-2026-0012",
    ],
)
def test_a_reveal_naming_a_case_or_ticket_shows_the_record_and_logs_the_reason(
    api: Api, world: dict[str, Any], reason: str
) -> None:
    # the admin: every citizen is inside the city root (a supervisor's reveal inside and
    # outside the unit: tests/desks/test_supervision_reveals.py)
    r = look_up(api, "admin", world["driver"], reason=f" {reason} ", reveal="true")
    assert r.status_code == 200, r.text
    assert r.json()["masked"] is False and r.json()["id_number"] == world["driver"]
    (entry,) = entries(api, "citizen.reveal")
    assert entry.reason == reason


def test_an_officer_asking_to_reveal_is_refused_by_role_first(
    api: Api, world: dict[str, Any]
) -> None:
    r = look_up(api, "off-kdl", world["driver"], reason="    ", reveal="true")
    assert r.status_code == 403
    assert r.json()["error"] == "auth.role_required"


def test_the_reason_rules() -> None:
    assert lookup_reason(" 核查投诉 ") == "核查投诉"
    for bad in ("", "   ", "!!!!!!", "ab c"):
        with pytest.raises(Invalid):
            lookup_reason(bad)
    assert has_reference("GD20261126001")
    assert has_reference("（2026）内0203行初45号")
    assert not has_reference("2026")
    assert not has_reference("ABCDEF123")  # three digits
    assert not has_reference("核查投诉")
