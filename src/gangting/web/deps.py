"""Request dependencies: the running Context and the authenticated Actor."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from gangting.context import Context
from gangting.kernel.actor import Actor
from gangting.kernel.errors import Unauthenticated
from gangting.kernel.unit_of_work import UnitOfWork

_CACHE_TTL_S = 30.0


class ActorCache:
    """Resolved bearer tokens for a short while: one less query on every booth call.
    A disabled booth or revoked token stops working within ``_CACHE_TTL_S``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Actor]] = {}

    def get(self, token: str) -> Actor | None:
        with self._lock:
            item = self._items.get(token)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, token: str, actor: Actor) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[token] = (time.monotonic() + _CACHE_TTL_S, actor)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


async def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


Authenticator = Callable[[UnitOfWork, str], Actor]


def _authenticate(ctx: Context, authenticate: Authenticator, token: str) -> Actor:
    with ctx.uow() as uow:
        return authenticate(uow, token)


async def get_actor(
    request: Request,
    ctx: ContextDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Actor:
    """Async on purpose: a cached token costs no trip through the thread pool."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("请先登录（缺少 Authorization: Bearer 令牌）")
    token = authorization[7:].strip()
    cache: ActorCache = request.app.state.actor_cache
    actor = cache.get(token)
    if actor is None:
        # The app's authenticator (wired by the composition root: gangting.app)
        authenticate: Authenticator = request.app.state.authenticate
        actor = await run_in_threadpool(_authenticate, ctx, authenticate, token)
        cache.put(token, actor)
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
IdentityTokenHeader = Annotated[str | None, Header(alias="X-Identity-Token", max_length=128)]
