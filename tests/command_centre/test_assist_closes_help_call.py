"""A remote-assist session answers the booth's help call: when the session closes (the
operator ends it, or the citizen leaves the kiosk) the help call and its alert close too,
unless someone closed them already."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from gangting.alerts.models import Alert
from gangting.audit.models import AuditEntry
from gangting.booths.models import HelpCall
from tests.command_centre.conftest import Centre
from tests.command_centre.test_assist import sync


def _help_call_and_session(centre: Centre) -> tuple[str, dict[str, Any]]:
    r = centre.post("BT-KDL-001", "/api/v1/help-calls", {"kind": "assistance", "note": "不会操作"})
    assert r.status_code == 201, r.text
    call_id = str(r.json()["help_call_id"])
    session: dict[str, Any] = sync(centre, open=True)["session"]
    assert session["help_call_id"] == call_id
    return call_id, session


def _states(centre: Centre, call_id: str) -> tuple[str, list[str]]:
    with centre.ctx.uow() as uow:
        call = uow.session.get(HelpCall, uuid.UUID(call_id))
        assert call is not None
        alerts = uow.session.execute(
            select(Alert.state).where(
                Alert.subject_kind == "help_call", Alert.subject_id == call_id
            )
        ).scalars()
        return call.state, list(alerts)


def _actions(centre: Centre, subject_id: str) -> list[str]:
    with centre.ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.subject_id == subject_id)
                .order_by(AuditEntry.at, AuditEntry.id)
            ).scalars()
        )


def test_the_operator_closing_the_session_closes_its_help_call_and_alert(centre: Centre) -> None:
    call_id, session = _help_call_and_session(centre)
    assert _states(centre, call_id) == ("open", ["open"])
    assert (
        centre.post("off-kdl-1", f"/api/v1/centre/assist/{session['id']}/join").status_code == 200
    )
    closed = centre.post(
        "off-kdl-1", f"/api/v1/centre/assist/{session['id']}/close", {"note": "已指导完成"}
    )
    assert closed.status_code == 200, closed.text
    assert _states(centre, call_id) == ("closed", ["closed"])
    assert _actions(centre, call_id) == ["help_call.opened", "help_call.closed"]
    with centre.ctx.uow() as uow:
        alert = uow.session.execute(select(Alert).where(Alert.subject_id == call_id)).scalar_one()
        assert alert.closed_by == "off-kdl-1"
        assert alert.close_note == "远程协助已结束：已指导完成"


def test_the_citizen_leaving_closes_the_help_call_too(centre: Centre) -> None:
    call_id, session = _help_call_and_session(centre)
    left = sync(centre, session_id=session["id"], leave=True)
    assert left["session"]["state"] == "closed"
    assert _states(centre, call_id) == ("closed", ["closed"])


def test_an_alert_closed_by_hand_before_stays_as_it_was(centre: Centre) -> None:
    call_id, session = _help_call_and_session(centre)
    with centre.ctx.uow() as uow:
        alert_id = uow.session.execute(
            select(Alert.id).where(Alert.subject_id == call_id)
        ).scalar_one()
    by_hand = centre.post(
        "sup-kdl", f"/api/v1/staff/alerts/{alert_id}/close", {"note": "现场已处理"}
    )
    assert by_hand.status_code == 200, by_hand.text
    closed = centre.post("sup-kdl", f"/api/v1/centre/assist/{session['id']}/close", {})
    assert closed.status_code == 200, closed.text
    assert _states(centre, call_id) == ("closed", ["closed"])
    with centre.ctx.uow() as uow:
        alert = uow.session.get(Alert, alert_id)
        assert alert is not None and alert.close_note == "现场已处理"
    assert _actions(centre, str(alert_id)).count("alert.closed") == 1


def test_a_help_call_that_arrives_after_the_session_opened_is_closed_with_it(
    centre: Centre,
) -> None:
    # The kiosk opens its assist session at once; the help call itself comes a moment
    # later through the node's outbox.
    session: dict[str, Any] = sync(centre, open=True)["session"]
    assert session["help_call_id"] is None
    r = centre.post("BT-KDL-001", "/api/v1/help-calls", {"kind": "assistance", "note": "不会操作"})
    assert r.status_code == 201, r.text
    call_id = str(r.json()["help_call_id"])
    assert _states(centre, call_id) == ("open", ["open"])
    closed = centre.post("sup-kdl", f"/api/v1/centre/assist/{session['id']}/close", {})
    assert closed.status_code == 200, closed.text
    assert closed.json()["help_call_id"] == call_id
    assert _states(centre, call_id) == ("closed", ["closed"])
