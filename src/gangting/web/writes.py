"""Idempotent writes: one unit of work per request, the answer stored with the effect.

Same key, same answer, one effect: the stored answer commits in the same transaction as
the change, so a booth that retries after a timeout or a server crash gets the first
answer back. A business refusal is answered, stored under the key and audited (in its own
transaction, since the refused change itself is rolled back). Malformed input (422), a
missing or expired identity (401) and an unavailable outside system (503) are not
stored: they are not decisions, and the same key must work once the booth has fixed them.

A stored answer is replayed only to whom it was given (docs/decisions/0017): the caller's own
key space (``Actor.scope``: the booth or staff account) and, for a citizen's transaction, the
verified citizen (``owner``: resolved from the identity token before the key is looked up,
so a replay without a valid identity token is refused as any request without one is, and
one naming another citizen gets ``idempotency.key_owned_by_another`` and nothing of the
stored answer).
"""

from __future__ import annotations

import logging
import uuid
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
from gangting.kernel.idempotency import (
    IdempotencyKeyOwned,
    IdempotencyRecord,
    find_answer,
    request_hash,
    store_answer,
)
from gangting.kernel.unit_of_work import UnitOfWork

log = logging.getLogger("gangting.web")
T = TypeVar("T")
Work = Callable[[UnitOfWork], tuple[int, Any]]
OnRefusal = Callable[[UnitOfWork, DomainError], None]
# Whose answer a write's is: the verified citizen's id (resolved in the write's unit of work).
Owner = Callable[[UnitOfWork], uuid.UUID]


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


@dataclass
class _Key:
    """One write's key, in its caller's key space, and the citizen its answer is for (known
    once the first unit of work has resolved it: later ones reuse it)."""

    scope: str
    key: str
    req_hash: str
    owner: Owner | None
    citizen_id: uuid.UUID | None = None
    resolved: bool = False

    def resolve(self, uow: UnitOfWork) -> None:
        """Whose answer it is; a refusal here (no valid identity token) is raised as is."""
        if self.owner is not None and not self.resolved:
            self.citizen_id = self.owner(uow)
        self.resolved = True

    def find(self, uow: UnitOfWork) -> IdempotencyRecord | None:
        return find_answer(
            uow.session, self.scope, self.key, self.req_hash, citizen_id=self.citizen_id
        )

    def store(self, uow: UnitOfWork, status_code: int, body: dict[str, Any]) -> None:
        store_answer(
            uow.session,
            self.scope,
            self.key,
            self.req_hash,
            status_code,
            body,
            uow.clock.now(),
            citizen_id=self.citizen_id,
        )


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
    owner: Owner | None = None,
) -> Answer:
    """``work``'s answer, once per key: stored with its effect, replayed to the same caller
    (and, with ``owner``, the same verified citizen) however often the key comes again."""
    if not key:
        raise KeyRequired("写操作必须携带 Idempotency-Key 请求头（每笔业务一个唯一值）")
    stored = _Key(actor.scope, key, request_hash(method, path, jsonable_encoder(payload)), owner)
    for attempt in range(3):
        try:
            return _attempt(ctx, stored, work)
        except DomainError as exc:
            if isinstance(exc, Invalid | Unavailable | Unauthenticated | IdempotencyKeyOwned):
                raise
            return _store_refusal(ctx, actor, stored, exc, action, on_refusal)
        except (IntegrityError, OperationalError):
            # A concurrent request with the same key (or on the same records) won the race;
            # its answer is now stored, or the retry below decides afresh.
            if stored.resolved:
                with ctx.uow() as uow:
                    record = stored.find(uow)
                    if record is not None:
                        return _replay(record.status_code, record.body)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _attempt(ctx: Context, stored: _Key, work: Work) -> Answer:
    with ctx.uow() as uow:
        stored.resolve(uow)
        record = stored.find(uow)
        if record is not None:
            return _replay(record.status_code, record.body)
        status_code, result = work(uow)
        body = jsonable_encoder(result)
        stored.store(uow, status_code, body)
    return Answer(status_code, body)


def _store_refusal(
    ctx: Context,
    actor: Actor,
    stored: _Key,
    exc: DomainError,
    action: str,
    on_refusal: OnRefusal | None,
) -> Answer:
    with ctx.uow() as uow:
        record = stored.find(uow)
        if record is not None:
            return _replay(record.status_code, record.body)
        if on_refusal is not None:
            on_refusal(uow, exc)
        body = exc.to_dict()
        audit.record(
            uow, actor, f"{action}.refused", "request", stored.key, data={"error": exc.code}
        )
        stored.store(uow, exc.http_status, body)
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
