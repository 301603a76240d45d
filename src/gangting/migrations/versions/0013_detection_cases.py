"""detection cases (issue 11 §3): what the detectors found, for the supervisors' review

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "detection_cases",
        sa.Column("pattern", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_label", sa.String(length=200), nullable=False),
        sa.Column("unit_path", sa.String(length=255), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        sa.Column("evidence", _JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("verdict_by", sa.Uuid(), nullable=True),
        sa.Column("verdict_at", _UTC, nullable=True),
        sa.Column("verdict_note", sa.Text(), nullable=True),
        sa.Column("first_seen_at", _UTC, nullable=False),
        sa.Column("last_seen_at", _UTC, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["verdict_by"],
            ["staff_accounts.id"],
            name=op.f("fk_detection_cases_verdict_by_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detection_cases")),
        sa.UniqueConstraint(
            "pattern",
            "subject_kind",
            "subject_id",
            name=op.f("uq_detection_cases_pattern_subject_kind_subject_id"),
        ),
    )
    op.create_index(
        "ix_detection_cases_state_unit_path",
        "detection_cases",
        ["state", "unit_path"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_detection_cases_state_unit_path", table_name="detection_cases")
    op.drop_table("detection_cases")
