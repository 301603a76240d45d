"""idempotent replays (issue 12 §2; docs/decisions/0017): the verified citizen a stored
answer was given to, and an index on when it was stored (the retention job ages by it)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
# Issue 12's other migrations (0015-0018) are written beside this one; whoever merges them
# chains this one after the last of them.
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Answers stored before this have no citizen: a citizen's replay of one is refused
    # (idempotency.key_owned_by_another), never answered to a stranger; retention ends them.
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citizen_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_created_at"))
        batch_op.drop_column("citizen_id")
