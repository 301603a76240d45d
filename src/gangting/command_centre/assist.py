"""Remote assist (远程协助): a help call at a kiosk opens a session; an operator at the centre
joins it, sees the kiosk's screen state (read-only, non-sensitive), exchanges text with the
citizen and pushes hints to the kiosk screen; either ends it by closing.

The booth node talks to the centre by ``sync_from_booth`` (its screen, the citizen's new
messages; answers the operator's messages since the node's cursor). Every change is
audited in the caller's unit of work and published live after the commit
(``remote_assist`` events, ``change`` names what happened and ``by`` who did it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gangting.audit import service as audit
from gangting.booths.models import Booth, HelpCall
from gangting.command_centre.errors import (
    AssistMessageInvalid,
    AssistStateConflict,
    AssistUnknown,
)
from gangting.command_centre.live import publish_live_after_commit
from gangting.command_centre.models import AssistMessage, AssistSession
from gangting.command_centre.rules import (
    ASSIST_STATE_ZH,
    MESSAGE_MAX,
    AssistState,
    assist_may_move,
    kiosk_screen_view,
    mask_id_numbers,
)
from gangting.desks.booth_reports import close_help_call
from gangting.kernel.actor import Actor
from gangting.kernel.clock import iso_or_none
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope, scoped
from gangting.staff.service import require_booth, require_role

# A help call this recent is the one a new session answers.
HELP_CALL_WINDOW = timedelta(minutes=15)
Change = Literal["opened", "screen", "message", "hint", "joined", "closed"]


@dataclass(frozen=True)
class KioskScreen:
    """What the node reports of its kiosk: names from fixed lists, no personal data."""

    screen: str | None
    service: str | None
    elder: bool
    screen_elapsed_s: int


@dataclass(frozen=True)
class CitizenMessage:
    client_id: str
    text: str


def session_view(session: AssistSession, booth: Booth) -> dict[str, Any]:
    return {
        "id": str(session.id),
        "booth": booth.code,
        "booth_name": booth.name,
        "state": session.state,
        "state_zh": ASSIST_STATE_ZH.get(session.state, session.state),
        "help_call_id": str(session.help_call_id) if session.help_call_id else None,
        "opened_at": iso_or_none(session.opened_at),
        "operator": session.operator,
        "joined_at": iso_or_none(session.joined_at),
        "closed_at": iso_or_none(session.closed_at),
        "closed_by": session.closed_by,
        "close_note": session.close_note,
        "screen": session.screen or None,
        "screen_reported_at": iso_or_none(session.screen_reported_at),
        "booth_seen_at": iso_or_none(session.booth_seen_at),
        "last_seq": session.last_seq,
    }


def message_view(message: AssistMessage) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "sender": message.sender,
        "kind": message.kind,
        "text": message.text,
        "author": message.author if message.sender == "operator" else None,
        "at": iso_or_none(message.at),
    }


def _clean(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise AssistMessageInvalid("消息不能为空")
    if len(cleaned) > MESSAGE_MAX:
        raise AssistMessageInvalid(f"消息不能超过{MESSAGE_MAX}字", data={"max": MESSAGE_MAX})
    return mask_id_numbers(cleaned)


def _publish(
    uow: UnitOfWork,
    session: AssistSession,
    booth: Booth,
    org_path: str,
    change: Change,
    by: Literal["booth", "operator"],
    message: AssistMessage | None = None,
) -> None:
    publish_live_after_commit(
        uow,
        "remote_assist",
        {
            "change": change,
            "by": by,
            "session": session_view(session, booth),
            "message": message_view(message) if message is not None else None,
        },
        org_path=org_path,
        booth=booth.code,
    )


def _org_path(uow: UnitOfWork, booth: Booth) -> str:
    unit = uow.session.get(OrgUnit, booth.org_unit_id)
    return unit.path if unit is not None else "/"


def _append(
    uow: UnitOfWork,
    session: AssistSession,
    sender: str,
    kind: str,
    text: str,
    author: str,
    client_id: str | None = None,
) -> AssistMessage:
    session.last_seq += 1
    message = AssistMessage(
        session_id=session.id,
        seq=session.last_seq,
        sender=sender,
        kind=kind,
        text=text,
        author=author,
        at=uow.clock.now(),
        client_id=client_id,
    )
    uow.session.add(message)
    uow.session.flush()
    return message


def messages_since(uow: UnitOfWork, session_id: uuid.UUID, since_seq: int) -> list[dict[str, Any]]:
    rows = uow.session.execute(
        select(AssistMessage)
        .where(AssistMessage.session_id == session_id, AssistMessage.seq > since_seq)
        .order_by(AssistMessage.seq)
        .limit(200)
    ).scalars()
    return [message_view(m) for m in rows]


# --- the booth's side ---------------------------------------------------------------------


def _open_session_of(uow: UnitOfWork, booth_id: uuid.UUID) -> AssistSession | None:
    return uow.session.execute(
        select(AssistSession)
        .where(AssistSession.booth_id == booth_id, AssistSession.state != "closed")
        .with_for_update()
    ).scalar_one_or_none()


def _help_call_of(uow: UnitOfWork, booth_id: uuid.UUID, since: datetime) -> uuid.UUID | None:
    """The booth's latest help call made since ``since`` and not yet closed."""
    return uow.session.execute(
        select(HelpCall.id)
        .where(
            HelpCall.booth_id == booth_id,
            HelpCall.called_at >= since,
            HelpCall.state != "closed",
        )
        .order_by(HelpCall.called_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def _open(uow: UnitOfWork, actor: Actor, booth: Booth) -> AssistSession:
    now = uow.clock.now()
    help_call_id = _help_call_of(uow, booth.id, now - HELP_CALL_WINDOW)
    session = AssistSession(
        booth_id=booth.id,
        help_call_id=help_call_id,
        state="waiting",
        opened_at=now,
        screen={},
        last_seq=0,
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(session)
            uow.session.flush()
    except IntegrityError:
        # Another sync of the same booth opened it a moment ago: use that one.
        winner = _open_session_of(uow, booth.id)
        if winner is None:
            raise
        return winner
    audit.record(
        uow,
        actor,
        "assist.opened",
        "assist_session",
        session.id,
        data={"booth": booth.code, "help_call_id": str(help_call_id) if help_call_id else None},
    )
    return session


def sync_from_booth(
    uow: UnitOfWork,
    actor: Actor,
    *,
    session_id: uuid.UUID | None,
    open_session: bool,
    screen: KioskScreen | None,
    messages: list[CitizenMessage],
    since_seq: int,
    leave: bool = False,
) -> dict[str, Any]:
    """The node's sync: the session it follows (``session_id``), else the booth's open one,
    else a new one when ``open_session`` (the citizen pressed help). Records the screen
    and the citizen's messages (once per ``client_id``, ID numbers masked); answers the
    session and every message after ``since_seq``. ``{"session": null}`` when there is
    none. ``leave``: the citizen finished at the kiosk (the conversation ends with them):
    a session not yet closed is closed by the booth."""
    booth_id = require_booth(actor)
    booth = uow.session.get(Booth, booth_id)
    if booth is None:
        raise AssistUnknown("没有该岗亭")
    session: AssistSession | None
    if session_id is not None:
        session = uow.session.execute(
            select(AssistSession)
            .where(AssistSession.id == session_id, AssistSession.booth_id == booth_id)
            .with_for_update()
        ).scalar_one_or_none()
        if session is None:
            raise AssistUnknown("没有该远程协助会话", data={"id": str(session_id)})
    else:
        session = _open_session_of(uow, booth_id)
    org_path = _org_path(uow, booth)
    if session is None:
        if not open_session:
            return {"session": None, "messages": []}
        session = _open(uow, actor, booth)
        _publish(uow, session, booth, org_path, "opened", "booth")
    now = uow.clock.now()
    if session.state != "closed":
        session.booth_seen_at = now
        if screen is not None:
            view = kiosk_screen_view(
                screen.screen, screen.service, screen.elder, screen.screen_elapsed_s
            )
            before = {k: v for k, v in (session.screen or {}).items() if k != "screen_elapsed_s"}
            after = {k: v for k, v in view.items() if k != "screen_elapsed_s"}
            session.screen = view
            session.screen_reported_at = now
            if before != after:
                _publish(uow, session, booth, org_path, "screen", "booth")
        known: set[str | None] = set()
        if messages:
            known.update(
                uow.session.execute(
                    select(AssistMessage.client_id).where(
                        AssistMessage.session_id == session.id,
                        AssistMessage.client_id.in_([m.client_id for m in messages]),
                    )
                ).scalars()
            )
        for item in messages:
            if item.client_id in known:
                continue
            known.add(item.client_id)
            message = _append(
                uow, session, "citizen", "text", _clean(item.text), booth.code, item.client_id
            )
            audit.record(
                uow,
                actor,
                "assist.citizen_message",
                "assist_session",
                session.id,
                data={"seq": message.seq, "chars": len(message.text)},
            )
            _publish(uow, session, booth, org_path, "message", "booth", message)
    if leave and session.state != "closed":
        session.state = AssistState.CLOSED
        session.closed_at = now
        session.closed_by = booth.code
        session.close_note = "群众已结束办理"
        message = _append(
            uow, session, "system", "text", "群众已结束办理，本次远程协助结束。", booth.code
        )
        audit.record(
            uow, actor, "assist.closed", "assist_session", session.id, reason="群众已结束办理"
        )
        _close_help_call(uow, actor, session)
        _publish(uow, session, booth, org_path, "closed", "booth", message)
    uow.session.flush()
    return {
        "session": session_view(session, booth),
        "messages": messages_since(uow, session.id, since_seq),
    }


def read_for_booth(
    uow: UnitOfWork, actor: Actor, session_id: uuid.UUID, since_seq: int
) -> dict[str, Any]:
    """The session and its messages after ``since_seq``, as the node follows it."""
    booth_id = require_booth(actor)
    row = uow.session.execute(
        select(AssistSession, Booth)
        .join(Booth, Booth.id == AssistSession.booth_id)
        .where(AssistSession.id == session_id, AssistSession.booth_id == booth_id)
    ).first()
    if row is None:
        raise AssistUnknown("没有该远程协助会话", data={"id": str(session_id)})
    session, booth = row
    return {
        "session": session_view(session, booth),
        "messages": messages_since(uow, session.id, since_seq),
    }


# --- the operator's side --------------------------------------------------------------------


def _in_scope(
    uow: UnitOfWork, actor: Actor, session_id: uuid.UUID, *, lock: bool = False
) -> tuple[AssistSession, Booth, str]:
    require_role(actor, "officer")
    query = (
        select(AssistSession, Booth, OrgUnit.path)
        .join(Booth, Booth.id == AssistSession.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .where(AssistSession.id == session_id)
    )
    if lock:
        query = query.with_for_update(of=AssistSession)
    row = uow.session.execute(query).first()
    if row is None:
        raise AssistUnknown("没有该远程协助会话", data={"id": str(session_id)})
    session, booth, path = row
    require_scope(actor, path)
    return session, booth, path


def list_sessions(
    uow: UnitOfWork, actor: Actor, *, active: bool = True, limit: int = 50
) -> list[dict[str, Any]]:
    """Sessions at the booths of the caller's scope, newest first (officer and above);
    ``active``: only those not closed."""
    require_role(actor, "officer")
    query = (
        select(AssistSession, Booth)
        .join(Booth, Booth.id == AssistSession.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .order_by(AssistSession.opened_at.desc(), AssistSession.id.desc())
        .limit(limit)
    )
    query = scoped(query, actor)
    if active:
        query = query.where(AssistSession.state != "closed")
    return [session_view(s, b) for s, b in uow.session.execute(query).all()]


def get_session(uow: UnitOfWork, actor: Actor, session_id: uuid.UUID) -> dict[str, Any]:
    session, booth, _ = _in_scope(uow, actor, session_id)
    return {
        **session_view(session, booth),
        "now": iso_or_none(uow.clock.now()),
        "messages": messages_since(uow, session.id, 0),
    }


def _refuse(session: AssistSession, message: str) -> AssistStateConflict:
    return AssistStateConflict(
        message, data={"state": session.state, "state_zh": ASSIST_STATE_ZH.get(session.state)}
    )


def join_session(uow: UnitOfWork, actor: Actor, session_id: uuid.UUID) -> dict[str, Any]:
    """接入: waiting -> active with the caller as operator. Joining a session one already
    operates changes nothing; another operator's active session is refused."""
    session, booth, path = _in_scope(uow, actor, session_id, lock=True)
    if session.state == "active" and session.operator_id == actor.id:
        return get_session(uow, actor, session_id)
    if not assist_may_move(session.state, "active"):
        raise _refuse(
            session,
            "该远程协助已由其他人员接入" if session.state == "active" else "该远程协助已结束",
        )
    session.state = AssistState.ACTIVE
    session.operator_id = actor.id
    session.operator = actor.name
    session.joined_at = uow.clock.now()
    message = _append(
        uow,
        session,
        "operator",
        "text",
        "您好，指挥中心工作人员已接入，请问需要什么帮助？",
        actor.name,
    )
    uow.session.flush()
    audit.record(
        uow, actor, "assist.joined", "assist_session", session.id, data={"booth": booth.code}
    )
    _publish(uow, session, booth, path, "joined", "operator", message)
    return get_session(uow, actor, session_id)


def send_to_kiosk(
    uow: UnitOfWork,
    actor: Actor,
    session_id: uuid.UUID,
    text: str,
    kind: Literal["text", "hint"],
) -> dict[str, Any]:
    """A message (``text``) or a hint shown large on the kiosk (``hint``), by the session's
    operator (or a supervisor and above); the session must be active."""
    session, booth, path = _in_scope(uow, actor, session_id, lock=True)
    if session.state != "active":
        raise _refuse(
            session, "请先接入该远程协助" if session.state == "waiting" else "该远程协助已结束"
        )
    if session.operator_id != actor.id:
        require_role(actor, "supervisor")
    message = _append(uow, session, "operator", kind, _clean(text), actor.name)
    audit.record(
        uow,
        actor,
        f"assist.{'hint' if kind == 'hint' else 'operator_message'}",
        "assist_session",
        session.id,
        data={"seq": message.seq, "chars": len(message.text)},
    )
    _publish(
        uow, session, booth, path, "hint" if kind == "hint" else "message", "operator", message
    )
    return {"session": session_view(session, booth), "message": message_view(message)}


def _close_help_call(uow: UnitOfWork, actor: Actor, session: AssistSession) -> None:
    """The session answered its help call: a closed session closes the call and its alert
    when they are still open (a call closed already, or its alert, stays as it is)."""
    if session.help_call_id is None:
        # The call may reach the centre after the kiosk opened the session (the outbox
        # sends it a moment later): it is the same help, answered by this session.
        session.help_call_id = _help_call_of(
            uow, session.booth_id, session.opened_at - HELP_CALL_WINDOW
        )
        if session.help_call_id is None:
            return
    note = "远程协助已结束" + (f"：{session.close_note}" if session.close_note else "")
    close_help_call(uow, actor, session.help_call_id, note)


def close_session(
    uow: UnitOfWork, actor: Actor, session_id: uuid.UUID, note: str | None
) -> dict[str, Any]:
    """结束: waiting or active -> closed, with an optional note (officer and above)."""
    session, booth, path = _in_scope(uow, actor, session_id, lock=True)
    if not assist_may_move(session.state, "closed"):
        raise _refuse(session, "该远程协助已结束")
    session.state = AssistState.CLOSED
    session.closed_at = uow.clock.now()
    session.closed_by = actor.name
    session.close_note = (note or "").strip()[:200] or None
    message = _append(
        uow, session, "operator", "text", "本次远程协助已结束，感谢您的耐心。", actor.name
    )
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "assist.closed",
        "assist_session",
        session.id,
        reason=session.close_note,
        data={"booth": booth.code},
    )
    _close_help_call(uow, actor, session)
    _publish(uow, session, booth, path, "closed", "operator", message)
    return get_session(uow, actor, session_id)
