"""authentication (issue 12 §1; docs/decisions/0014): the log-in throttle's counts, staff
sessions' absolute end, the staff's second factor (TOTP)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gangting.kernel.db

revision: str = "0016"
# Issue 12's other migrations (0015, 0016) are written beside this one; whoever merges them
# chains this one after the last of them.
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", _UTC, nullable=False),
        sa.Column("locked_until", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("access_tokens") as batch:
        batch.add_column(sa.Column("session_expires_at", _UTC, nullable=True))
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enrolled_at", _UTC, nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_secret")
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("session_expires_at")
    op.drop_table("login_throttles")
