"""好差评 closes the loop (issue 13 §1, decision 0022): one-use rating links on receipts, the
remedy workflow's unit, steps and deadlines, and its escalations

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gangting.kernel.db

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), server_default="kiosk", nullable=False)
        )
    op.create_table(
        "rating_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("booth_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("used_at", _UTC, nullable=True),
        sa.Column("rating_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_rating_links_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_rating_links_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings.id"], name=op.f("fk_rating_links_rating_id_ratings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_links")),
        sa.UniqueConstraint("application_id", name=op.f("uq_rating_links_application_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rating_links_token_hash")),
    )
    with op.batch_alter_table("bad_review_remedies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_unit_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("contact_due_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("complex_matter", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("assigned_at", _UTC, nullable=True))
        batch_op.add_column(sa.Column("contacted_at", _UTC, nullable=True))
        batch_op.add_column(sa.Column("fixed_at", _UTC, nullable=True))
        batch_op.add_column(sa.Column("return_visited_at", _UTC, nullable=True))
        batch_op.add_column(sa.Column("citizen_answer", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("escalated_to_unit_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", _UTC, nullable=True))
        batch_op.create_index(
            batch_op.f("ix_bad_review_remedies_org_unit_id"), ["org_unit_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bad_review_remedies_org_unit_id_org_units"),
            "org_units",
            ["org_unit_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bad_review_remedies_escalated_to_unit_id_org_units"),
            "org_units",
            ["escalated_to_unit_id"],
            ["id"],
        )
    # Remedies opened before the workflow: the booth's unit takes them, as new ones.
    op.execute(
        "UPDATE bad_review_remedies SET org_unit_id = (SELECT booths.org_unit_id FROM ratings "
        "JOIN booths ON booths.id = ratings.booth_id "
        "WHERE ratings.id = bad_review_remedies.rating_id), "
        "state = CASE WHEN state = 'open' THEN 'assigned' ELSE state END, "
        "assigned_at = opened_at"
    )
    op.create_table(
        "bad_review_escalations",
        sa.Column("remedy_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("escalated_at", _UTC, nullable=False),
        sa.Column("to_unit_id", sa.Uuid(), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_bad_review_escalations_alert_id_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["remedy_id"],
            ["bad_review_remedies.id"],
            name=op.f("fk_bad_review_escalations_remedy_id_bad_review_remedies"),
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"],
            ["org_units.id"],
            name=op.f("fk_bad_review_escalations_to_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("remedy_id", "step", name=op.f("pk_bad_review_escalations")),
    )


def downgrade() -> None:
    op.drop_table("bad_review_escalations")
    # The old code knows open and closed only.
    op.execute("UPDATE bad_review_remedies SET state = 'open' WHERE state <> 'closed'")
    with op.batch_alter_table("bad_review_remedies", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_bad_review_remedies_escalated_to_unit_id_org_units"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_bad_review_remedies_org_unit_id_org_units"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_bad_review_remedies_org_unit_id"))
        for column in (
            "escalated_at",
            "escalated_to_unit_id",
            "citizen_answer",
            "return_visited_at",
            "fixed_at",
            "contacted_at",
            "assigned_at",
            "complex_matter",
            "contact_due_on",
            "org_unit_id",
        ):
            batch_op.drop_column(column)
    op.drop_table("rating_links")
    # Not a batch copy: other tables' rows refer to ratings (SQLite >= 3.35 drops in place).
    op.execute("ALTER TABLE ratings DROP COLUMN channel")
