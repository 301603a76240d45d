"""Route shapes the desks repeat: a router with the usual refusals, a query pattern of an
enum's values, a list's limit, and a staff member's act on one subject
(``POST …/{subject_no}/{verb}``) written once under the idempotency key."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gangting.context import Context
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey
from gangting.web.openapi import error_responses
from gangting.web.staff_writes import post_write

API_PREFIX = "/api/v1"
# How many rows a staff list answers at the most (the query's ``limit``; default 100).
ListLimit = Annotated[int, Query(ge=1, le=500)]

# What a write does in its unit of work.
Work = Callable[[UnitOfWork], Any]
# The act's use case: (context, actor, subject number, body) -> the write's work. It runs
# before the write, so a check there (a role) answers before anything is stored.
SubjectWork = Callable[[Context, Actor, str, Any], Work]


def desk_router(prefix: str, tag: str) -> APIRouter:
    """A router whose every route may answer 401, 403, 404 and 422."""
    return APIRouter(prefix=prefix, tags=[tag], responses=error_responses(401, 403, 404, 422))


def enum_pattern(values: Iterable[StrEnum]) -> str:
    """The query pattern that admits exactly these values."""
    return "^(" + "|".join(v.value for v in values) + ")$"


def subject_act(
    router: APIRouter,
    subject: str,
    verb: str,
    body: type[BaseModel],
    work: SubjectWork,
    *,
    name: str,
    action: str,
    hashed_verb: str | None = None,
    status_code: int = 200,
    **route: Any,
) -> None:
    """Add ``POST {prefix}/{<subject>}/{verb}`` to ``router``: the path parameter named
    ``subject`` (e.g. ``referral_no``), a ``body`` of that model, the Idempotency-Key header;
    the write is hashed under ``{prefix without /api/v1}/{no}/{hashed_verb or verb}`` and
    audited as ``action``. ``name`` is the operation's name, ``route`` the rest of the
    decorator's words (response_model, responses, summary)."""
    base = router.prefix.removeprefix(API_PREFIX)

    def endpoint(**values: Any) -> JSONResponse:
        # no docstring: the operation's description would change
        no, ctx, actor = values[subject], values["ctx"], values["actor"]
        return post_write(
            ctx,
            actor,
            values["key"],
            f"{base}/{no}/{hashed_verb or verb}",
            values["body"],
            work(ctx, actor, no, values["body"]),
            action=action,
            status=status_code,
        )

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(subject, kind, annotation=str),
            inspect.Parameter("body", kind, annotation=body),
            inspect.Parameter("ctx", kind, annotation=ContextDep),
            inspect.Parameter("actor", kind, annotation=ActorDep),
            inspect.Parameter("key", kind, annotation=IdempotencyKey, default=None),
        ],
        return_annotation=JSONResponse,
    )
    endpoint.__name__ = endpoint.__qualname__ = name
    router.post(f"/{{{subject}}}/{verb}", status_code=status_code, name=name, **route)(endpoint)
