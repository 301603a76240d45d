"""Remote commands to booths (远程指令): issue, dispatch, the booth's replies, expiry.

The command row is its own outbox: issuing writes it ``queued`` (with the audit entry) in
the staff request's unit of work; the centre's MQTT link publishes queued commands and
marks them ``sent``; the booth's acknowledgement and result move it on; the expiry sweep
ends whatever is not finished in time. Every transition is a compare-and-set on the state
and has its audit entry in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from gangting.audit import service as audit
from gangting.booths.errors import BoothDisabled, BoothUnknown, CommandUnknown
from gangting.booths.models import Booth, BoothCommand
from gangting.booths.payloads import CommandMessage, CommandReply, parse_params
from gangting.booths.rules import COMMAND_KIND_ZH, OPEN_STATES, command_may_move
from gangting.booths.service import booth_in_scope
from gangting.kernel.actor import SYSTEM, Actor
from gangting.kernel.errors import Invalid
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.staff.models import OrgUnit
from gangting.staff.scope import require_scope, scoped
from gangting.staff.service import require_role

MIN_EXPIRY_S = 10
MAX_EXPIRY_S = 7 * 24 * 3600


def issue_command(
    uow: UnitOfWork,
    actor: Actor,
    booth_code: str,
    kind: str,
    params: dict[str, Any],
    expires_in_s: int,
    reason: str | None,
) -> dict[str, Any]:
    """Queue a command for one booth in the issuer's scope (supervisor and above)."""
    require_role(actor, "supervisor")
    booth, _unit = booth_in_scope(uow, actor, booth_code, BoothUnknown)
    if not booth.enabled:
        raise BoothDisabled(
            "该岗亭已停用，不能下发指令",
            data={"booth": booth_code, "reason": booth.disabled_reason},
        )
    if not MIN_EXPIRY_S <= expires_in_s <= MAX_EXPIRY_S:
        raise Invalid(
            "指令有效期应在10秒到7天之间",
            code="booths.command_expiry_invalid",
            data={"min_s": MIN_EXPIRY_S, "max_s": MAX_EXPIRY_S},
        )
    typed = parse_params(kind, params)
    now = uow.clock.now()
    assert actor.id is not None
    command = BoothCommand(
        booth_id=booth.id,
        kind=kind,
        params=typed.model_dump(mode="json"),
        state="queued",
        issued_by_id=actor.id,
        issued_by=actor.name,
        reason=reason,
        issued_at=now,
        expires_at=now + timedelta(seconds=expires_in_s),
    )
    uow.session.add(command)
    uow.session.flush()
    audit.record(
        uow,
        actor,
        "booth_command.queued",
        "booth_command",
        command.id,
        reason=reason,
        data={"booth": booth.code, "kind": kind, "expires_at": command.expires_at.isoformat()},
    )
    return command_view(command, booth.code)


def command_view(command: BoothCommand, booth_code: str) -> dict[str, Any]:
    def iso(at: datetime | None) -> str | None:
        return at.isoformat() if at is not None else None

    return {
        "id": str(command.id),
        "booth": booth_code,
        "kind": command.kind,
        "kind_zh": COMMAND_KIND_ZH.get(command.kind, command.kind),
        "params": command.params,
        "state": command.state,
        "issued_by": command.issued_by,
        "reason": command.reason,
        "issued_at": iso(command.issued_at),
        "expires_at": iso(command.expires_at),
        "sent_at": iso(command.sent_at),
        "acknowledged_at": iso(command.acknowledged_at),
        "finished_at": iso(command.finished_at),
        "outcome": command.outcome,
    }


def list_commands(
    uow: UnitOfWork,
    actor: Actor,
    *,
    booth_code: str | None = None,
    state: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Commands of the booths in the caller's scope, newest first (officer and above)."""
    require_role(actor, "officer")
    query = (
        select(BoothCommand, Booth.code)
        .join(Booth, Booth.id == BoothCommand.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .order_by(BoothCommand.issued_at.desc(), BoothCommand.id.desc())
        .limit(limit)
    )
    query = scoped(query, actor)
    if booth_code is not None:
        query = query.where(Booth.code == booth_code)
    if state is not None:
        query = query.where(BoothCommand.state == state)
    return [command_view(c, code) for c, code in uow.session.execute(query).all()]


def get_command(uow: UnitOfWork, actor: Actor, command_id: uuid.UUID) -> dict[str, Any]:
    require_role(actor, "officer")
    row = uow.session.execute(
        select(BoothCommand, Booth.code, OrgUnit.path)
        .join(Booth, Booth.id == BoothCommand.booth_id)
        .join(OrgUnit, OrgUnit.id == Booth.org_unit_id)
        .where(BoothCommand.id == command_id)
    ).first()
    if row is None:
        raise CommandUnknown("没有该指令", data={"id": str(command_id)})
    command, code, path = row
    require_scope(actor, path)
    return command_view(command, code)


# --- the centre's MQTT link: what to send, and that it was sent


def due_for_dispatch(uow: UnitOfWork, limit: int = 100) -> list[tuple[str, CommandMessage]]:
    """Queued, unexpired commands as (booth code, message), oldest first."""
    now = uow.clock.now()
    rows = uow.session.execute(
        select(BoothCommand, Booth.code)
        .join(Booth, Booth.id == BoothCommand.booth_id)
        .where(BoothCommand.state == "queued", BoothCommand.expires_at > now)
        .order_by(BoothCommand.issued_at, BoothCommand.id)
        .limit(limit)
    ).all()
    return [
        (
            code,
            CommandMessage(
                at=c.issued_at,
                id=c.id,
                kind=c.kind,
                params=c.params,
                expires_at=c.expires_at,
                issued_by=c.issued_by,
            ),
        )
        for c, code in rows
    ]


def _move(
    uow: UnitOfWork,
    command_id: uuid.UUID,
    current: str,
    new: str,
    values: dict[str, Any],
) -> bool:
    """Compare-and-set: ``current`` -> ``new`` only if nobody moved it meanwhile."""
    if not command_may_move(current, new):
        return False
    done = uow.session.execute(
        update(BoothCommand)
        .where(BoothCommand.id == command_id, BoothCommand.state == current)
        .values(state=new, **values)
        .returning(BoothCommand.id)
    ).first()
    return done is not None


def mark_sent(uow: UnitOfWork, command_id: uuid.UUID) -> bool:
    """The broker took the command (PUBACK). A booth's reply may have overtaken this record;
    then the command stays where the reply put it."""
    if not _move(uow, command_id, "queued", "sent", {"sent_at": uow.clock.now()}):
        return False
    audit.record(uow, SYSTEM, "booth_command.sent", "booth_command", command_id)
    return True


def record_reply(uow: UnitOfWork, actor: Actor, command_id: uuid.UUID, reply: CommandReply) -> bool:
    """The booth acknowledged or finished a command. Only its own commands; a reply that
    would move a command backwards or out of a final state changes nothing (duplicates,
    results after expiry). Returns whether the command moved."""
    command = uow.session.execute(
        select(BoothCommand).where(
            BoothCommand.id == command_id, BoothCommand.booth_id == actor.booth_id
        )
    ).scalar_one_or_none()
    if command is None:
        raise CommandUnknown("没有该指令", data={"id": str(command_id), "booth": actor.name})
    now = uow.clock.now()
    values: dict[str, Any] = {}
    if reply.status == "acknowledged":
        values["acknowledged_at"] = now
    else:
        values["finished_at"] = now
        values["outcome"] = {"error": reply.error, "detail": reply.detail}
        if command.acknowledged_at is None:
            values["acknowledged_at"] = now
    if not _move(uow, command.id, command.state, reply.status, values):
        return False
    audit.record(
        uow,
        actor,
        f"booth_command.{reply.status}",
        "booth_command",
        command.id,
        data={"error": reply.error, "at": reply.at.isoformat()} if reply.error else None,
    )
    return True


def expire_commands(uow: UnitOfWork, limit: int = 500) -> int:
    """End every open command whose expiry has passed (the injected clock decides)."""
    now = uow.clock.now()
    rows = uow.session.execute(
        select(BoothCommand.id, BoothCommand.state)
        .where(BoothCommand.state.in_(OPEN_STATES), BoothCommand.expires_at <= now)
        .order_by(BoothCommand.expires_at)
        .limit(limit)
    ).all()
    expired = 0
    for command_id, state in rows:
        if _move(uow, command_id, state, "expired", {"finished_at": now}):
            audit.record(
                uow,
                SYSTEM,
                "booth_command.expired",
                "booth_command",
                command_id,
                data={"was": state},
            )
            expired += 1
    return expired
