"""quick accident settlements (事故快处, 事故程序规定 第19–22条): the settlements, their two
parties, the photos, the agreement issued once and its deliveries (docs/decisions/0029)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 00:23:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "accident_settlements",
        sa.Column("settlement_no", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("booth_id", sa.Uuid(), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("weather", sa.String(length=16), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("liability_case", sa.String(length=32), nullable=True),
        sa.Column("created_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("referral_no", sa.String(length=32), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_accident_settlements_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_accident_settlements_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_settlements")),
        sa.UniqueConstraint("settlement_no", name=op.f("uq_accident_settlements_settlement_no")),
    )
    with op.batch_alter_table("accident_settlements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_accident_settlements_unit_created", ["org_unit_id", "created_at"], unique=False
        )

    op.create_table(
        "accident_agreements",
        sa.Column("agreement_no", sa.String(length=32), nullable=False),
        sa.Column("settlement_id", sa.Uuid(), nullable=False),
        sa.Column("content", _JSON, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["accident_settlements.id"],
            name=op.f("fk_accident_agreements_settlement_id_accident_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_agreements")),
        sa.UniqueConstraint("agreement_no", name=op.f("uq_accident_agreements_agreement_no")),
        sa.UniqueConstraint("settlement_id", name=op.f("uq_accident_agreements_settlement_id")),
    )
    op.create_table(
        "accident_parties",
        sa.Column("settlement_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Uuid(), nullable=False),
        sa.Column("identity_ref", sa.String(length=64), nullable=False),
        sa.Column("licence_or_id_no", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("plate_no", sa.String(length=10), nullable=False),
        sa.Column("vehicle_kind", sa.String(length=24), nullable=False),
        sa.Column("insurer", sa.String(length=64), nullable=False),
        sa.Column("policy_no", sa.String(length=64), nullable=False),
        sa.Column("collision_part", sa.String(length=16), nullable=False),
        sa.Column("liability", sa.String(length=16), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_accident_parties_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["accident_settlements.id"],
            name=op.f("fk_accident_parties_settlement_id_accident_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_parties")),
        sa.UniqueConstraint(
            "settlement_id", "citizen_id", name=op.f("uq_accident_parties_settlement_id_citizen_id")
        ),
        sa.UniqueConstraint(
            "settlement_id", "seq", name=op.f("uq_accident_parties_settlement_id_seq")
        ),
    )
    with op.batch_alter_table("accident_parties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accident_parties_citizen_id"), ["citizen_id"], unique=False
        )

    op.create_table(
        "accident_photos",
        sa.Column("settlement_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("taken_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["accident_settlements.id"],
            name=op.f("fk_accident_photos_settlement_id_accident_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_photos")),
        sa.UniqueConstraint(
            "settlement_id", "sha256", name=op.f("uq_accident_photos_settlement_id_sha256")
        ),
    )
    with op.batch_alter_table("accident_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accident_photos_settlement_id"), ["settlement_id"], unique=False
        )

    op.create_table(
        "accident_deliveries",
        sa.Column("delivery_no", sa.String(length=40), nullable=False),
        sa.Column("agreement_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["accident_agreements.id"],
            name=op.f("fk_accident_deliveries_agreement_id_accident_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident_deliveries")),
        sa.UniqueConstraint(
            "agreement_id", "recipient", name=op.f("uq_accident_deliveries_agreement_id_recipient")
        ),
        sa.UniqueConstraint("delivery_no", name=op.f("uq_accident_deliveries_delivery_no")),
    )
    with op.batch_alter_table("accident_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_accident_deliveries_state", ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("accident_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_accident_deliveries_state")

    op.drop_table("accident_deliveries")
    with op.batch_alter_table("accident_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accident_photos_settlement_id"))

    op.drop_table("accident_photos")
    with op.batch_alter_table("accident_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accident_parties_citizen_id"))

    op.drop_table("accident_parties")
    op.drop_table("accident_agreements")
    with op.batch_alter_table("accident_settlements", schema=None) as batch_op:
        batch_op.drop_index("ix_accident_settlements_unit_created")

    op.drop_table("accident_settlements")
