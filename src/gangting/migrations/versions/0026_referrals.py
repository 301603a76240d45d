"""referrals (转办) and objections to camera records, with their steps (docs/decisions/0027)

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-06 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_OPEN_OBJECTION = "kind = 'objection' AND state IN ('referred', 'accepted', 'more_requested')"


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("referral_no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("booth_id", sa.Uuid(), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("service_item", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("materials", _JSON, nullable=False),
        sa.Column("violation_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("referred_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=True),
        sa.Column("closed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("overdue_alert_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_referrals_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_referrals_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_referrals_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_referrals_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["overdue_alert_id"],
            ["alerts.id"],
            name=op.f("fk_referrals_overdue_alert_id_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["violation_id"], ["violations.id"], name=op.f("fk_referrals_violation_id_violations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("application_id", name=op.f("uq_referrals_application_id")),
        sa.UniqueConstraint("referral_no", name=op.f("uq_referrals_referral_no")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index("ix_referrals_state_due", ["state", "due_on"], unique=False)
        batch_op.create_index(
            "uq_referrals_open_objection",
            ["violation_id"],
            unique=True,
            sqlite_where=sa.text(_OPEN_OBJECTION),
            postgresql_where=sa.text(_OPEN_OBJECTION),
        )

    op.create_table(
        "referral_steps",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("state_after", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("materials", _JSON, nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_steps_referral_id_referrals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_steps")),
        sa.UniqueConstraint("referral_id", "seq", name=op.f("uq_referral_steps_referral_id_seq")),
    )
    with op.batch_alter_table("referral_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_steps_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_steps_referral_id"))
    op.drop_table("referral_steps")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("uq_referrals_open_objection")
        batch_op.drop_index("ix_referrals_state_due")
        batch_op.drop_index(batch_op.f("ix_referrals_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_citizen_id"))
    op.drop_table("referrals")
