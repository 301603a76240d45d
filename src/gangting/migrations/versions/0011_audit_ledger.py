"""audit ledger: sealed entry bodies and the hash chain (decision 0009)

Entries written before the ledger are sealed here, in the order they were written (time,
then id), and chained; from then on the application seals and chains at each commit.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gangting.audit.ledger import ENTRY_FIELDS, GENESIS, link_hash, sealed
from gangting.audit.models import AuditEntry
from gangting.kernel.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("body_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "ledger_links",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["audit_entries.id"], name=op.f("fk_ledger_links_entry_id_audit_entries")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_links")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_ledger_links_entry_id")),
        sa.UniqueConstraint("link_hash", name=op.f("uq_ledger_links_link_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_ledger_links_prev_hash")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_checkpoints")),
    )
    _seal_and_chain_existing()
    with op.batch_alter_table("audit_entries") as batch:
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch.alter_column("body_hash", existing_type=sa.String(length=64), nullable=False)


def _seal_and_chain_existing() -> None:
    conn = op.get_bind()
    table: sa.Table = AuditEntry.__table__  # type: ignore[assignment]
    links = sa.table(
        "ledger_links",
        sa.column("seq", sa.BigInteger()),
        sa.column("entry_id", sa.Uuid()),
        sa.column("prev_hash", sa.String()),
        sa.column("link_hash", sa.String()),
    )
    columns = [table.c[name] for name in ENTRY_FIELDS]
    rows = conn.execute(sa.select(*columns).order_by(table.c.at, table.c.id)).mappings().all()
    seq, prev = 0, GENESIS
    batch: list[dict[str, object]] = []
    for row in rows:
        done = sealed(dict(row))
        conn.execute(
            sa.update(table)
            .where(table.c.id == row["id"])
            .values(body=done["body"], body_hash=done["body_hash"])
        )
        seq += 1
        current = link_hash(prev, str(done["body_hash"]))
        batch.append({"seq": seq, "entry_id": row["id"], "prev_hash": prev, "link_hash": current})
        prev = current
        if len(batch) >= 5_000:
            conn.execute(links.insert(), batch)
            batch = []
    if batch:
        conn.execute(links.insert(), batch)


def downgrade() -> None:
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_links")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("body_hash")
        batch.drop_column("body")
