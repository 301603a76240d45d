"""Enrolment tokens (decision 0019): an access token's purpose, "session" or "enrolment"

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=16), server_default="session", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("purpose")
