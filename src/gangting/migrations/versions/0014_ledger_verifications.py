"""ledger verifications (issue 11 §4): each run of the ledger's verification, for the
supervision screen

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_verifications",
        sa.Column("started_at", _UTC, nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("by", sa.String(length=16), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("checkpoints", sa.Integer(), nullable=False),
        sa.Column("bound_rows", sa.BigInteger(), nullable=False),
        sa.Column("unbound_rows", _JSON, nullable=False),
        sa.Column("first_kind", sa.String(length=32), nullable=True),
        sa.Column("first_seq", sa.BigInteger(), nullable=True),
        sa.Column("first_entry_id", sa.String(length=64), nullable=True),
        sa.Column("first_message", sa.Text(), nullable=True),
        sa.Column("problems", _JSON, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_verifications")),
    )
    op.create_index(
        op.f("ix_ledger_verifications_started_at"),
        "ledger_verifications",
        ["started_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_verifications_started_at"), table_name="ledger_verifications")
    op.drop_table("ledger_verifications")
