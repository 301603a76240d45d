"""The running system's parts, built once from Settings and handed to routes and commands."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gangting.config import Settings
from gangting.integrations.cognitive_test import CognitiveTestDevice, FakeCognitiveTestDevice
from gangting.integrations.insurers import FakeInsurer, InsurerPort
from gangting.integrations.learning import FakeLearningPlatform, LearningPlatform
from gangting.integrations.notifications import FakeNotifier, Notifier
from gangting.integrations.payment import FakePaymentPlatform, PaymentPlatform
from gangting.kernel.calendar import HolidayCalendar
from gangting.kernel.clock import Clock, FixedClock, SystemClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory


@dataclass
class Context:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    payments: PaymentPlatform
    learning: LearningPlatform
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)
    fine_overrides_fen: dict[str, int] = field(default_factory=dict)
    # the SMS port (referrals' steps); None: nobody is told (build_context sets the fake)
    notifier: Notifier | None = None
    cognitive_tests: CognitiveTestDevice = field(default_factory=FakeCognitiveTestDevice)
    # the insurer port (事故快处 agreements); None: no insurer is sent anything
    insurers: InsurerPort | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.clock)

    def close(self) -> None:
        """The context's end: the database pool and the outside systems' connections."""
        self.engine.dispose()
        self.payments.close()
        self.learning.close()
        if self.notifier is not None:
            self.notifier.close()
        self.cognitive_tests.close()
        if self.insurers is not None:
            self.insurers.close()


def settings_clock(settings: Settings) -> Clock:
    """The configured clock: fixed at GANGTING_DEMO_CLOCK when set, else the system clock."""
    if settings.demo_clock:
        return FixedClock(datetime.fromisoformat(settings.demo_clock))
    return SystemClock()


def build_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    payments: PaymentPlatform | None = None,
    learning: LearningPlatform | None = None,
    notifier: Notifier | None = None,
    cognitive_tests: CognitiveTestDevice | None = None,
    insurers: InsurerPort | None = None,
) -> Context:
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
    )
    if clock is None:
        clock = settings_clock(settings)
    if payments is None:
        payments = FakePaymentPlatform(
            settings.var_dir / "fake_payment_platform.db",
            clock=clock,
            confirm_after_s=settings.payment_confirm_after_s,
        )
    if learning is None:
        learning = FakeLearningPlatform(settings.var_dir / "fake_learning_platform.db")
    if notifier is None:
        notifier = FakeNotifier(settings.var_dir / "fake_sms.db", clock=clock)
    if cognitive_tests is None:
        cognitive_tests = FakeCognitiveTestDevice(settings.var_dir / "fake_cognitive_tests.db")
    if insurers is None:
        insurers = FakeInsurer(settings.var_dir / "fake_insurers.db", clock=clock)
    holidays = frozenset(
        date.fromisoformat(d.strip()) for d in settings.holidays.split(",") if d.strip()
    )
    return Context(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        clock=clock,
        payments=payments,
        learning=learning,
        calendar=HolidayCalendar(
            holidays=holidays,
            extra_workdays=frozenset(
                date.fromisoformat(d.strip())
                for d in settings.extra_workdays.split(",")
                if d.strip()
            ),
        ),
        fine_overrides_fen={k: int(v) for k, v in json.loads(settings.fine_overrides_json).items()},
        notifier=notifier,
        cognitive_tests=cognitive_tests,
        insurers=insurers,
    )
