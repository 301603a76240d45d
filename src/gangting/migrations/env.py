"""Alembic environment: the URL comes from the caller or GANGTING_DATABASE_URL."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, String

from gangting.all_models import metadata
from gangting.config import Settings
from gangting.kernel.db import StrEnumText, make_engine


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """A StrEnumText column goes into a new migration as the plain String(length) it is,
    so migrations never import a domain's enum."""
    if type_ == "type" and isinstance(obj, StrEnumText):
        impl = obj.impl_instance
        assert isinstance(impl, String)
        return f"sa.String(length={impl.length})"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
