"""signed identity evidence (issue 12 §3, decision 0018): the booth registry keeps each
node's Ed25519 public key; the centre's single-use identity nonces

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gangting.kernel.db

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = gangting.kernel.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("booths", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_public_key", sa.String(length=64), nullable=True))
    op.create_table(
        "identity_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("booth_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("used_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_identity_nonces_booth_id_booths")
        ),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_identity_nonces")),
    )
    op.create_index(
        "ix_identity_nonces_booth_issued",
        "identity_nonces",
        ["booth_id", "issued_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_identity_nonces_booth_issued", table_name="identity_nonces")
    op.drop_table("identity_nonces")
    with op.batch_alter_table("booths", schema=None) as batch_op:
        batch_op.drop_column("evidence_public_key")
