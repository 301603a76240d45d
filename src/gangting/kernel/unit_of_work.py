"""The unit of work: the only place that commits.

One unit of work per HTTP request, MQTT message or job run. Services flush, never commit.
Effects that may run only once the change is durable are queued with ``after_commit`` and
dropped on rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gangting.kernel.clock import Clock


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = session_factory
        self.clock = clock
        self._after_commit: list[Callable[[], None]] = []
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work not entered")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        self._session.info["clock"] = self.clock  # for what runs at commit (the ledger)
        self._after_commit = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc_type is None:
                session.commit()
                hooks, self._after_commit = self._after_commit, []
                for hook in hooks:
                    hook()
            else:
                session.rollback()
                self._after_commit = []
        finally:
            session.close()
            self._session = None

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit = []

    def after_commit(self, hook: Callable[[], None]) -> None:
        self._after_commit.append(hook)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


def in_batches(
    new_uow: Callable[[], UnitOfWork], step: Callable[[UnitOfWork], int], batch: int
) -> int:
    """Run ``step`` (one batch, returning how many rows it handled) in a unit of work of its
    own each time, until a batch comes back short; returns the total (retention jobs)."""
    total = 0
    while True:
        with new_uow() as uow:
            n = step(uow)
        total += n
        if n < batch:
            return total
