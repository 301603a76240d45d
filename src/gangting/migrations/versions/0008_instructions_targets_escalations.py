"""instructions (指令): targets, escalations

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 07:01:51.582785
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "instructions",
        sa.Column("no", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("plate_no", sa.String(length=10), nullable=True),
        sa.Column("booth_id", sa.Uuid(), nullable=True),
        sa.Column("hit_id", sa.Uuid(), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("help_call_id", sa.Uuid(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("target_spec", _JSON, nullable=False),
        sa.Column("completion", sa.String(length=8), nullable=False),
        sa.Column("issued_by_id", sa.Uuid(), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "acknowledge_due_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("report_due_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "state_changed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("checkpoint", sa.Integer(), nullable=False),
        sa.Column("next_check_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_from_id", sa.Uuid(), nullable=True),
        sa.Column("escalation_step", sa.String(length=16), nullable=True),
        sa.Column("source_key", sa.String(length=96), nullable=True),
        sa.Column("completed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=64), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("expired_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_instructions_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_instructions_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["escalated_from_id"],
            ["instructions.id"],
            name=op.f("fk_instructions_escalated_from_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["help_call_id"],
            ["help_calls.id"],
            name=op.f("fk_instructions_help_call_id_help_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["hit_id"], ["watch_list_hits.id"], name=op.f("fk_instructions_hit_id_watch_list_hits")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_instructions_issued_by_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_instructions_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructions")),
        sa.UniqueConstraint("no", name=op.f("uq_instructions_no")),
        sa.UniqueConstraint("source_key", name=op.f("uq_instructions_source_key")),
    )
    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instructions_escalated_from_id"), ["escalated_from_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_instructions_hit_id"), ["hit_id"], unique=False)
        batch_op.create_index(
            "ix_instructions_org_issued", ["org_unit_id", "issued_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_instructions_plate_no"), ["plate_no"], unique=False)
        batch_op.create_index(
            "ix_instructions_state_next_check", ["state", "next_check_at"], unique=False
        )

    op.create_table(
        "instruction_escalations",
        sa.Column("instruction_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("escalated_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("to_unit_id", sa.Uuid(), nullable=True),
        sa.Column("escalation_id", sa.Uuid(), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("missed", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_instruction_escalations_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["instructions.id"],
            name=op.f("fk_instruction_escalations_escalation_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_instruction_escalations_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"],
            ["org_units.id"],
            name=op.f("fk_instruction_escalations_to_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("instruction_id", "step", name=op.f("pk_instruction_escalations")),
    )
    op.create_table(
        "instruction_targets",
        sa.Column("instruction_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_note", sa.String(length=200), nullable=True),
        sa.Column("reported_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("report_text", sa.String(length=500), nullable=True),
        sa.Column("evidence_note", sa.String(length=500), nullable=True),
        sa.Column("missed_step", sa.String(length=16), nullable=True),
        sa.Column("missed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_instruction_targets_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_instruction_targets_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_instruction_targets_staff_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction_targets")),
        sa.UniqueConstraint(
            "instruction_id",
            "staff_id",
            name=op.f("uq_instruction_targets_instruction_id_staff_id"),
        ),
    )
    with op.batch_alter_table("instruction_targets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_instruction_targets_staff_state", ["staff_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("instruction_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_instruction_targets_staff_state")

    op.drop_table("instruction_targets")
    op.drop_table("instruction_escalations")
    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.drop_index("ix_instructions_state_next_check")
        batch_op.drop_index(batch_op.f("ix_instructions_plate_no"))
        batch_op.drop_index("ix_instructions_org_issued")
        batch_op.drop_index(batch_op.f("ix_instructions_hit_id"))
        batch_op.drop_index(batch_op.f("ix_instructions_escalated_from_id"))

    op.drop_table("instructions")
