"""Request dependencies: the running Context and the authenticated Actor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from gangting.context import Context
from gangting.kernel.actor import Actor
from gangting.kernel.errors import Unauthenticated
from gangting.kernel.unit_of_work import UnitOfWork


async def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


Authenticator = Callable[[UnitOfWork, str], Actor]


def _authenticate(ctx: Context, authenticate: Authenticator, token: str) -> Actor:
    with ctx.uow() as uow:
        return authenticate(uow, token)


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; ``Unauthenticated`` without."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("请先登录（缺少 Authorization: Bearer 令牌）")
    return authorization[7:].strip()


async def get_actor(
    request: Request,
    ctx: ContextDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Actor:
    """Who the bearer token stands for, looked up in the database on every request: a token
    revoked (log-out, password or role change) or a booth or account disabled stops working
    at once, in every process (docs/decisions/0014 measured what that costs)."""
    token = bearer_token(authorization)
    # The app's authenticator (wired by the composition root: gangting.app)
    authenticate: Authenticator = request.app.state.authenticate
    return await run_in_threadpool(_authenticate, ctx, authenticate, token)


ActorDep = Annotated[Actor, Depends(get_actor)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
IdentityTokenHeader = Annotated[str | None, Header(alias="X-Identity-Token", max_length=128)]
