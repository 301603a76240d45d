"""A citizen's business call at a booth, as its routes receive it: the running system, the
booth (its bearer token), the call's idempotency key and the citizen's identity token,
gathered by one FastAPI dependency so that each route only names its path, body and work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gangting.citizens.models import Citizen
from gangting.context import Context
from gangting.desks.transaction import CitizenWork, citizen_answer
from gangting.identity.service import resolve_citizen
from gangting.kernel.actor import Actor
from gangting.kernel.unit_of_work import UnitOfWork
from gangting.web.deps import ActorDep, ContextDep, IdempotencyKey, IdentityTokenHeader
from gangting.web.writes import render

T = TypeVar("T")


@dataclass(frozen=True)
class BoothCall:
    ctx: Context
    actor: Actor
    key: str | None
    identity: str | None

    def write(
        self,
        path: str,
        body: BaseModel | None,
        work: CitizenWork,
        *,
        service_item: str,
        status_code: int = 200,
    ) -> JSONResponse:
        """The transaction desk's idempotent write, filed as an application, as a response."""
        return render(
            citizen_answer(
                self.ctx,
                self.actor,
                self.key,
                self.identity,
                path,
                body,
                work,
                service_item=service_item,
                status_code=status_code,
            )
        )

    def read(self, work: Callable[[UnitOfWork, Citizen], T]) -> T:
        """A read about the verified citizen, in one unit of work."""
        with self.ctx.uow() as uow:
            return work(uow, resolve_citizen(uow, self.actor, self.identity))


async def _booth_write(
    ctx: ContextDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
    identity: IdentityTokenHeader = None,
) -> BoothCall:
    return BoothCall(ctx, actor, key, identity)


async def _booth_read(
    ctx: ContextDep, actor: ActorDep, identity: IdentityTokenHeader = None
) -> BoothCall:
    return BoothCall(ctx, actor, None, identity)


# A write carries its Idempotency-Key; a read has none to carry.
BoothCallDep = Annotated[BoothCall, Depends(_booth_write)]
BoothReadDep = Annotated[BoothCall, Depends(_booth_read)]
