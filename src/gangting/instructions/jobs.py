"""Entry point for a scheduler (or `gangting` command) to run the deadline sweep once in its
own unit of work: build the engine and clock from Settings, sweep, dispose. Nothing runs
at import."""

from __future__ import annotations

from gangting.config import Settings
from gangting.context import settings_clock
from gangting.instructions.service import policy_from_settings
from gangting.instructions.sweep import SweepResult, sweep_deadlines
from gangting.kernel.clock import Clock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory


def sweep_instruction_deadlines(settings: Settings, clock: Clock | None = None) -> SweepResult:
    """One sweep of instruction deadlines (run it every 30-60 s; concurrent runs are safe)."""
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(session_factory(engine), clock or settings_clock(settings)) as uow:
            return sweep_deadlines(uow, policy_from_settings(settings))
    finally:
        engine.dispose()
