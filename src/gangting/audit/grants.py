"""PostgreSQL privileges for the application's role: it may read and append to the ledger,
never change or remove what is there (decision 0009).

Production runs the server and the worker as a login role of its own (e.g. ``gangting_app``),
not as the owner that runs the migrations. ``gangting audit grants --role gangting_app``
(run as the owner, after each migration) gives that role what the application needs on every
table and takes back UPDATE, DELETE and TRUNCATE on the ledger's tables.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

LEDGER_TABLES = ("audit_entries", "ledger_links", "ledger_checkpoints", "ledger_verifications")
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def apply_grants(engine: Engine, role: str) -> None:
    """Grant ``role`` read and write on the application's tables, append-only on the
    ledger's. PostgreSQL only; ``role`` must exist."""
    if engine.dialect.name != "postgresql":
        raise ValueError("账本权限只适用于 PostgreSQL（SQLite 无角色）")
    if not _ROLE.match(role):
        raise ValueError(f"角色名不合规：{role!r}")
    ledger = ", ".join(LEDGER_TABLES)
    with engine.begin() as conn:
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        )
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {ledger} FROM {role}"))
        conn.execute(text(f"GRANT SELECT, INSERT ON {ledger} TO {role}"))
