"""Idempotent writes: one unit of work per request, the answer stored with the effect.

Same key, same answer, one effect: the stored answer commits in the same transaction as
the change, so a booth that retries after a timeout or a server crash gets the first
answer back. A business refusal is answered, stored under the key and audited (in its own
transaction, since the refused change itself is rolled back). Malformed input (422), a
missing or expired identity (401) and an unavailable outside system (503) are not
stored: they are not decisions, and the same key must work once the booth has fixed them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from gangting.audit import service as audit
from gangting.context import Context
from gangting.kernel.actor import Actor
from gangting.kernel.errors import DomainError, Invalid, Unauthenticated, Unavailable
from gangting.kernel.idempotency import find_answer, request_hash, store_answer
from gangting.kernel.unit_of_work import UnitOfWork

log = logging.getLogger("gangting.web")
T = TypeVar("T")
Work = Callable[[UnitOfWork], tuple[int, Any]]
OnRefusal = Callable[[UnitOfWork, DomainError], None]


class KeyRequired(Invalid):
    code = "idempotency.key_required"


@dataclass(frozen=True)
class Answer:
    """What a write answered: its status, its JSON body, and whether it is a stored replay."""

    status_code: int
    body: Any
    replayed: bool = False


def render(answer: Answer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _replay(status_code: int, body: dict[str, Any]) -> Answer:
    return Answer(status_code, body, replayed=True)


def write_answer(
    ctx: Context,
    actor: Actor,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
    work: Work,
    *,
    action: str,
    on_refusal: OnRefusal | None = None,
) -> Answer:
    if not key:
        raise KeyRequired("写操作必须携带 Idempotency-Key 请求头（每笔业务一个唯一值）")
    req_hash = request_hash(method, path, jsonable_encoder(payload))
    for attempt in range(3):
        try:
            return _attempt(ctx, actor, key, req_hash, work)
        except DomainError as exc:
            if isinstance(exc, Invalid | Unavailable | Unauthenticated):
                raise
            return _store_refusal(ctx, actor, key, req_hash, exc, action, on_refusal)
        except (IntegrityError, OperationalError):
            # A concurrent request with the same key (or on the same records) won the race;
            # its answer is now stored, or the retry below decides afresh.
            with ctx.uow() as uow:
                record = find_answer(uow.session, actor.scope, key, req_hash)
                if record is not None:
                    return _replay(record.status_code, record.body)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _attempt(ctx: Context, actor: Actor, key: str, req_hash: str, work: Work) -> Answer:
    with ctx.uow() as uow:
        record = find_answer(uow.session, actor.scope, key, req_hash)
        if record is not None:
            return _replay(record.status_code, record.body)
        status_code, result = work(uow)
        body = jsonable_encoder(result)
        store_answer(uow.session, actor.scope, key, req_hash, status_code, body, uow.clock.now())
    return Answer(status_code, body)


def _store_refusal(
    ctx: Context,
    actor: Actor,
    key: str,
    req_hash: str,
    exc: DomainError,
    action: str,
    on_refusal: OnRefusal | None,
) -> Answer:
    with ctx.uow() as uow:
        record = find_answer(uow.session, actor.scope, key, req_hash)
        if record is not None:
            return _replay(record.status_code, record.body)
        if on_refusal is not None:
            on_refusal(uow, exc)
        body = exc.to_dict()
        audit.record(uow, actor, f"{action}.refused", "request", key, data={"error": exc.code})
        store_answer(
            uow.session, actor.scope, key, req_hash, exc.http_status, body, uow.clock.now()
        )
    return Answer(exc.http_status, body)


def run_read(ctx: Context, work: Callable[[UnitOfWork], T]) -> T:
    """One unit of work for a read: ``work``'s answer."""
    with ctx.uow() as uow:
        return work(uow)


def run_recording_refusals(
    ctx: Context, work: Callable[[UnitOfWork], T], on_refusal: OnRefusal
) -> T:
    """One unit of work for ``work`` (not keyed: a log-in, an identity check); when it
    refuses (a ``DomainError``) its unit of work rolls back, so ``on_refusal`` records the
    refusal (an audit entry) in a unit of work of its own, and the caller gets the very same
    error. A refusal that cannot be recorded (the database itself failing) is logged and the
    answer stays the refusal."""
    try:
        with ctx.uow() as uow:
            return work(uow)
    except DomainError as exc:
        try:
            with ctx.uow() as uow:
                on_refusal(uow, exc)
        except SQLAlchemyError:
            log.exception("could not record the refusal %s", exc.code)
        raise
