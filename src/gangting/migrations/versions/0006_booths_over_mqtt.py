"""booths over MQTT: broker accounts, availability and state reports, remote commands

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("booths", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broker_password_hash", sa.String(length=255), nullable=True))

    with op.batch_alter_table("booth_states", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "availability", sa.String(length=16), server_default="unknown", nullable=False
            )
        )
        batch_op.add_column(sa.Column("availability_session", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "availability_changed_at",
                gangting.kernel.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("reported", _JSON, server_default=sa.text("'{}'"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("reported_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("telemetry_readings", schema=None) as batch_op:
        batch_op.create_index("ix_telemetry_readings_at", ["at"], unique=False)

    op.create_table(
        "booth_commands",
        sa.Column("booth_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", _JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issued_by_id", sa.Uuid(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("issued_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", _JSON, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_booth_commands_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_booth_commands_issued_by_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booth_commands")),
    )
    with op.batch_alter_table("booth_commands", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booth_commands_booth_issued", ["booth_id", "issued_at"], unique=False
        )
        batch_op.create_index(
            "ix_booth_commands_state_expires", ["state", "expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("booth_commands", schema=None) as batch_op:
        batch_op.drop_index("ix_booth_commands_state_expires")
        batch_op.drop_index("ix_booth_commands_booth_issued")
    op.drop_table("booth_commands")

    with op.batch_alter_table("telemetry_readings", schema=None) as batch_op:
        batch_op.drop_index("ix_telemetry_readings_at")

    with op.batch_alter_table("booth_states", schema=None) as batch_op:
        batch_op.drop_column("reported_at")
        batch_op.drop_column("reported")
        batch_op.drop_column("availability_changed_at")
        batch_op.drop_column("availability_session")
        batch_op.drop_column("availability")

    with op.batch_alter_table("booths", schema=None) as batch_op:
        batch_op.drop_column("broker_password_hash")
