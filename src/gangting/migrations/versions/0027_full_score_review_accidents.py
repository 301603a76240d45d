"""full-score records (满分, 记分办法 第17–23条), driver reviews (审验, 驾驶证规定 第72–73条),
the 70+ ability tests and the accident records the review reads (docs/decisions/0028)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 22:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gangting.kernel.db

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "full_score_records",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("total_points", sa.Integer(), nullable=False),
        sa.Column("study_days", sa.Integer(), nullable=False),
        sa.Column("min_onsite_online_days", sa.Integer(), nullable=False),
        sa.Column("min_onsite_days", sa.Integer(), nullable=False),
        sa.Column("exams", sa.String(length=64), nullable=False),
        sa.Column("reached_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("cleared_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("clearance_receipt_no", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_full_score_records_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_full_score_records")),
        sa.UniqueConstraint(
            "citizen_id",
            "cycle_start",
            "sequence",
            name=op.f("uq_full_score_records_citizen_id_cycle_start_sequence"),
        ),
    )
    with op.batch_alter_table("full_score_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_full_score_records_citizen_id"), ["citizen_id"], unique=False
        )

    op.create_table(
        "accident_records",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("accident_no", sa.String(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("serious_injuries", sa.Integer(), nullable=False),
        sa.Column("liability", sa.String(length=16), nullable=False),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_accident_records_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_records")),
        sa.UniqueConstraint("accident_no", name=op.f("uq_accident_records_accident_no")),
    )
    with op.batch_alter_table("accident_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accident_records_citizen_id"), ["citizen_id"], unique=False
        )

    op.create_table(
        "cognitive_tests",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("test_ref", sa.String(length=64), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_cognitive_tests_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cognitive_tests")),
        sa.UniqueConstraint("test_ref", name=op.f("uq_cognitive_tests_test_ref")),
    )
    with op.batch_alter_table("cognitive_tests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cognitive_tests_citizen_id"), ["citizen_id"], unique=False
        )

    op.create_table(
        "driver_reviews",
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("cycle_end", sa.Date(), nullable=False),
        sa.Column("study_minutes", sa.Integer(), nullable=False),
        sa.Column("study_refs", sa.String(length=255), nullable=False),
        sa.Column("cognitive_test_ref", sa.String(length=64), nullable=True),
        sa.Column("completed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("receipt_no", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_driver_reviews_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_reviews")),
        sa.UniqueConstraint(
            "citizen_id", "cycle_start", name=op.f("uq_driver_reviews_citizen_id_cycle_start")
        ),
    )
    with op.batch_alter_table("driver_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_driver_reviews_citizen_id"), ["citizen_id"], unique=False
        )


def downgrade() -> None:
    for table in ("driver_reviews", "cognitive_tests", "accident_records", "full_score_records"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_citizen_id"))
        op.drop_table(table)
