"""On PostgreSQL the application's role appends to the ledger and cannot change it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from gangting.audit import service as audit
from gangting.audit.grants import apply_grants
from gangting.kernel.actor import SYSTEM
from gangting.kernel.clock import FixedClock
from gangting.kernel.db import make_engine
from gangting.kernel.unit_of_work import UnitOfWork, session_factory
from tests.conftest import NOW


def test_the_applications_role_cannot_update_or_delete_ledger_rows(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("roles and grants are PostgreSQL's")
    owner = make_engine(database_url)
    role = f"gangting_app_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    try:
        apply_grants(owner, role)
        app = make_engine(make_url(database_url).set(username=role).render_as_string(False))
        with UnitOfWork(session_factory(app), FixedClock(NOW)) as uow:
            audit.record(uow, SYSTEM, "test.grants", "role", role)  # appending works
        for statement in (
            "UPDATE audit_entries SET reason = 'forged'",
            "DELETE FROM ledger_links",
            "DELETE FROM audit_entries",
            "UPDATE ledger_checkpoints SET root = ''",
            "DELETE FROM ledger_verifications",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"):
                with app.begin() as conn:
                    conn.execute(text(statement))
        with app.begin() as conn:  # the rest of the application's tables: as before
            conn.execute(text("UPDATE booths SET name = name"))
        app.dispose()
    finally:
        with owner.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


def test_a_role_name_is_checked() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    with pytest.raises(ValueError, match="角色名"):
        apply_grants(engine, "app; DROP TABLE audit_entries")
    engine.dispose()
