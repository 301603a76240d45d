"""approvals: two keys (maker–checker) for risky acts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_path", sa.String(length=255), nullable=True),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("maker", sa.String(length=64), nullable=False),
        sa.Column("maker_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("checker", sa.String(length=64), nullable=True),
        sa.Column("checker_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("result", _JSON, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
    )
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.create_index(batch_op.f("ix_approvals_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_approvals_subject_path"), ["subject_path"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_approvals_subject_path"))
        batch_op.drop_index(batch_op.f("ix_approvals_state"))
    op.drop_table("approvals")
