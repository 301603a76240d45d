"""identity tokens record the booth's face evidence (distance, threshold, liveness)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("face_distance", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("face_threshold", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("liveness_passed", sa.Boolean(), nullable=True))
        batch_op.alter_column("face_score", existing_type=sa.Double(), nullable=True)


def downgrade() -> None:
    # Tokens live ten minutes: those issued on face evidence alone are simply dropped.
    op.execute("DELETE FROM identity_tokens WHERE face_score IS NULL")
    with op.batch_alter_table("identity_tokens", schema=None) as batch_op:
        batch_op.alter_column("face_score", existing_type=sa.Double(), nullable=False)
        batch_op.drop_column("liveness_passed")
        batch_op.drop_column("face_threshold")
        batch_op.drop_column("face_distance")
