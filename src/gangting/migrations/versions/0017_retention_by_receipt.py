"""retention by receipt (issue 12 §4): telemetry and plate reads are aged by the centre's
time of receipt (``received_at``, already on every booth-reported table), so index it; the
index on the booth's own ``telemetry_readings.at`` served only retention and goes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
# The integrator rechains this after 0015-0017 of the other branches of issue 12.
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telemetry_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_telemetry_readings_at")
        batch_op.create_index("ix_telemetry_readings_received_at", ["received_at"], unique=False)
    with op.batch_alter_table("plate_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plate_reads_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plate_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plate_reads_received_at"))
    with op.batch_alter_table("telemetry_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_telemetry_readings_received_at")
        batch_op.create_index("ix_telemetry_readings_at", ["at"], unique=False)
