"""service visits (issue 13, decision 0023): every visit at a booth or a service hall, and
the day each booth opened for business

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gangting.kernel.db

revision: str = "0022"
# The integrator rechains this after the other branches of issue 13.
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("booths", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
    op.create_table(
        "service_visits",
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("booth_id", sa.Uuid(), nullable=True),
        sa.Column("hall_code", sa.String(length=16), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("home_district_code", sa.String(length=6), nullable=True),
        sa.Column("citizen_id", sa.Uuid(), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("service_item", sa.String(length=32), nullable=False),
        sa.Column("matter_key", sa.String(length=80), nullable=False),
        sa.Column("visit_no", sa.Integer(), nullable=False),
        sa.Column("queued_at", _UTC, nullable=False),
        sa.Column("started_at", _UTC, nullable=False),
        sa.Column("finished_at", _UTC, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("refusal_code", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_service_visits_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_service_visits_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_service_visits_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_visits")),
        sa.UniqueConstraint("application_id", name=op.f("uq_service_visits_application_id")),
    )
    op.create_index("ix_service_visits_started_at", "service_visits", ["started_at"])
    op.create_index("ix_service_visits_booth_started", "service_visits", ["booth_id", "started_at"])
    op.create_index(
        "ix_service_visits_district_started", "service_visits", ["district_code", "started_at"]
    )
    op.create_index("ix_service_visits_matter_key", "service_visits", ["matter_key", "visit_no"])
    op.create_index(
        op.f("ix_service_visits_citizen_id"), "service_visits", ["citizen_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_service_visits_citizen_id"), table_name="service_visits")
    op.drop_index("ix_service_visits_matter_key", table_name="service_visits")
    op.drop_index("ix_service_visits_district_started", table_name="service_visits")
    op.drop_index("ix_service_visits_booth_started", table_name="service_visits")
    op.drop_index("ix_service_visits_started_at", table_name="service_visits")
    op.drop_table("service_visits")
    with op.batch_alter_table("booths", schema=None) as batch_op:
        batch_op.drop_column("opened_on")
